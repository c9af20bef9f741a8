"""申诉核减 over a raw websocket, as an attacker signed in as department D13 would try it against `streamlit run
app.py`: the 申诉 form's widget states are Streamlit's protobuf messages, so a client that writes its own messages
can name any item in the 申诉事项 box — Streamlit hands a value that is not among the box's options to the
submit button's callback as it came (a selectbox resets an unknown value only when the page draws the box, after
the callbacks). The filing rules, not the page's list of options, must refuse another department's item.

The server's clock is today's, long after the committed sample city's 2024 filing windows: the rules check whose
item it is before the window, so the forged D04 item is refused as another department's, and the control — the
same forged message naming D13's own item — reaches the rules and is refused only by its window (申诉期限已过),
which shows the value the attacker wrote is the one the rules judged. Nothing is recorded either way."""
from __future__ import annotations

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

from govdash.records import disputes as records
from tests.support.browser import app_server
from tests.support.rawws import sign_in, socket

D13 = ("dept-d13", "d13-password-long")
OWN_EVENT, OTHER_ITEM = "E20240004475", "assignment:E20240004469/D04"   # D13's and D04's September assignments


@pytest.fixture(scope="module")
def server(committed_sample_db, tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("dispute-ws"), committed_sample_db,
                    {D13[0]: ("department:D13", D13[1])}) as served:
        yield served


def page_run(ws, query: str, widgets: list[WidgetState] = ()) -> list[ForwardMsg]:
    """One run of the case page with `query` and the widget states `widgets`, every message up to its end."""
    state = ClientState(query_string=query, page_name="case", widget_states=WidgetStates(widgets=list(widgets)))
    ws.send(BackMsg(rerun_script=state).SerializeToString())
    messages = []
    while True:
        message = ForwardMsg()
        message.ParseFromString(ws.recv(timeout=180))
        messages.append(message)
        if (message.WhichOneof("type") == "script_finished"
                and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN):
            return messages


def elements(messages: list[ForwardMsg]) -> list:
    return [m.delta.new_element for m in messages
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"]


def form_widgets(messages: list[ForwardMsg]) -> dict[str, object]:
    """The 申诉 form's widgets the page drew, by label: their ids are what a forged message names."""
    found = {}
    for element in elements(messages):
        kind = element.WhichOneof("type")
        if kind in ("selectbox", "text_area", "button"):
            widget = getattr(element, kind)
            if widget.label in ("申诉事项", "申诉理由", "申诉说明", "提交申诉"):
                found[widget.label] = widget
    return found


def alerts(messages: list[ForwardMsg]) -> list[str]:
    return [e.alert.body for e in elements(messages) if e.WhichOneof("type") == "alert"]


def forged(form: dict, item_value: str) -> list[WidgetState]:
    """The states a browser would send on 提交申诉, with the 申诉事项 box's value written by hand."""
    return [WidgetState(id=form["申诉事项"].id, string_value=item_value),
            WidgetState(id=form["申诉理由"].id, string_value="无效诉求"),
            WidgetState(id=form["申诉说明"].id, string_value="诉求人无法联系"),
            WidgetState(id=form["提交申诉"].id, trigger_value=True)]


def test_a_forged_item_of_another_department_is_refused_by_the_rules(server):
    url, records_url = server["url"], server["records"]
    cookie = sign_in(url, D13)
    query = f"event={OWN_EVENT}"
    with socket(url, cookie) as ws:
        form = form_widgets(page_run(ws, query))
        assert set(form) == {"申诉事项", "申诉理由", "申诉说明", "提交申诉"}
        # the box offers D13's own assignment only, by its Chinese label
        assert len(form["申诉事项"].options) == 1 and OWN_EVENT in form["申诉事项"].options[0]
        assert records.list_disputes(url=records_url) == []

        # the attack: the same message naming D04's assignment
        refused = page_run(ws, query, forged(form, OTHER_ITEM))
        assert any("部门只能为本部门的事项申诉" in a for a in alerts(refused)), alerts(refused)
        assert records.list_disputes(url=records_url) == []

        # the control: the forged message naming D13's own item (its label, as the browser sends it) reaches the
        # rules as that item, and only its window refuses it
        own = page_run(ws, query, forged(form, form["申诉事项"].options[0]))
        assert any("申诉期限已过" in a for a in alerts(own)), alerts(own)
        assert not any("部门只能为本部门的事项申诉" in a for a in alerts(own))
    assert records.list_disputes(url=records_url) == []
