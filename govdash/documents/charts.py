"""Plotly defaults: a Simplified Chinese font so glyphs never fall back to Japanese forms."""
import plotly.graph_objects as go
import plotly.io as pio

CJK_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

# plotly_white with the Chinese face, merged once here: a default named "plotly_white+govdash" is merged and
# validated again for every chart drawn, which doubled the time each chart of a page took to build
pio.templates["govdash"] = pio.templates.merge_templates(
    pio.templates["plotly_white"],
    go.layout.Template(layout=go.Layout(font=dict(family=CJK_FONT), hoverlabel=dict(font_family=CJK_FONT))))
pio.templates.default = "govdash"
