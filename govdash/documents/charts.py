"""Plotly defaults: a Simplified Chinese font so glyphs never fall back to Japanese forms."""
import plotly.graph_objects as go
import plotly.io as pio

CJK_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

pio.templates["govdash"] = go.layout.Template(layout=go.Layout(font=dict(family=CJK_FONT),
                                                               hoverlabel=dict(font_family=CJK_FONT)))
pio.templates.default = "plotly_white+govdash"
