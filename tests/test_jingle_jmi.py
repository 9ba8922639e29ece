"""JMI payloads (XEP-0353) and Jingle reasons ↔ API causes, including other clients' shapes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from slixmpp.xmlstream import tostring

from meetroom.net.jingle import jmi, read_reason, reason_element, session_terminate
from meetroom.net.jingle.ns import JINGLE, RTP, q
from meetroom.net.jingle.reasons import CALL_NS

SID = "9b2f0c6e-1d7a-4c55-8e21-3f0a6b7d9c10"


def wire(element: ET.Element) -> ET.Element:
    """Through slixmpp's serialiser (what goes on the stream) and back."""
    return ET.fromstring(tostring(element))


def in_message(*children: ET.Element) -> ET.Element:
    message = ET.Element("{jabber:client}message", {"type": "chat", "to": "bob@meet.test"})
    message.extend(children)
    return message


def test_propose_carries_media_and_reads_back_from_a_message() -> None:
    propose = jmi.propose(SID)
    text = tostring(propose)
    assert text.startswith(f'<propose xmlns="{jmi.JMI}" id="{SID}">')
    assert (
        f'<description xmlns="{RTP}" media="audio" />' in text or f'<description xmlns="{RTP}" media="audio"/>' in text
    )
    action = jmi.read(wire(in_message(propose, jmi.store_hint())))
    assert action == jmi.JmiAction(kind="propose", sid=SID, media=("audio", "video"))


@pytest.mark.parametrize("kind", ["ringing", "proceed", "accept"])
def test_simple_actions(kind: str) -> None:
    action = jmi.read(wire(in_message(jmi.simple(kind, SID))))
    assert action is not None and (action.kind, action.sid, action.reason) == (kind, SID, None)


def test_simple_refuses_actions_that_need_more() -> None:
    with pytest.raises(ValueError):
        jmi.simple("reject", SID)
    with pytest.raises(ValueError):
        jmi.ending("proceed", SID)


@pytest.mark.parametrize(
    ("kind", "cause", "condition", "expected_cause"),
    [
        ("reject", 0, "decline", 0),
        ("reject", 2, "busy", 2),
        ("reject", 14, "security-error", 14),  # exact cause survives although 8 shares the condition
        ("retract", 16, "timeout", 16),
        ("retract", None, "cancel", 0),
        ("finish", None, "success", 0),
        ("reject", 22, "general-error", 22),
    ],
)
def test_endings_keep_condition_and_exact_cause(
    kind: str, cause: int | None, condition: str, expected_cause: int
) -> None:
    element = jmi.ending(kind, SID, cause, text="why")
    action = jmi.read(wire(in_message(element)))
    assert action is not None and action.kind == kind
    assert action.reason is not None
    assert (action.reason.condition, action.reason.cause, action.reason.text) == (condition, expected_cause, "why")


def test_tie_break_and_migrated() -> None:
    element = jmi.ending("reject", SID, condition="expired", tie_break=True)
    action = jmi.read(wire(element))
    assert action is not None and action.tie_break and action.reason.cause == 18
    finish = ET.fromstring(
        f"<finish xmlns='{jmi.JMI}' id='{SID}'><reason xmlns='{JINGLE}'><expired/></reason>"
        "<migrated to='new-sid'/></finish>"
    )
    assert jmi.read(finish).migrated_to == "new-sid"


def test_other_clients_shapes_are_tolerated() -> None:
    # Conversations (2023): reject with an empty description and no reason; Dino: retract without reason.
    conversations = ET.fromstring(f"<reject xmlns='{jmi.JMI}' id='a'><description xmlns='{RTP}'/></reject>")
    action = jmi.read(conversations)
    assert (action.kind, action.reason.condition, action.reason.cause) == ("reject", "decline", 0)
    dino = ET.fromstring(f"<retract xmlns='{jmi.JMI}' id='b'/>")
    assert jmi.read(dino).reason.condition == "cancel"
    legacy = ET.fromstring(f"<proceed xmlns='{jmi.JMI_LEGACY}' id='c'/>")
    assert jmi.read(legacy).kind == "proceed"
    busy_from_other = ET.fromstring(
        f"<reject xmlns='{jmi.JMI}' id='d'><reason xmlns='{JINGLE}'><busy/><text>in a call</text></reason></reject>"
    )
    assert (jmi.read(busy_from_other).reason.cause, jmi.read(busy_from_other).reason.text) == (2, "in a call")


def test_messages_without_jmi_are_not_actions() -> None:
    assert jmi.read(in_message(ET.Element("{jabber:client}body"))) is None
    assert jmi.read(ET.fromstring(f"<propose xmlns='{jmi.JMI}'/>")) is None  # no id
    assert jmi.read(ET.fromstring("<propose xmlns='urn:other'/>")) is None


@pytest.mark.parametrize(
    ("condition", "cause"),
    [
        ("decline", 0),
        ("busy", 2),
        ("gone", 3),
        ("security-error", 8),
        ("failed-application", 10),
        ("connectivity-error", 10),
        ("media-error", 11),
        ("incompatible-parameters", 15),
        ("timeout", 16),
        ("expired", 18),
    ],
)
def test_foreign_conditions_map_to_causes(condition: str, cause: int) -> None:
    reason = ET.fromstring(f"<reason xmlns='{JINGLE}'><{condition}/></reason>")
    assert read_reason(reason).cause == cause


def test_bad_or_foreign_cause_codes_fall_back_to_the_condition() -> None:
    for code in ("99", "x", "-1"):
        reason = ET.fromstring(f"<reason xmlns='{JINGLE}'><busy/><cause xmlns='{CALL_NS}' code='{code}'/></reason>")
        assert read_reason(reason).cause == 2
    with pytest.raises(ValueError, match="condition"):
        reason_element(condition="not-a-condition")


def test_session_terminate() -> None:
    jingle = wire(session_terminate(SID, 9, text="logged out"))
    assert (jingle.tag, jingle.get("action"), jingle.get("sid")) == (q(JINGLE, "jingle"), "session-terminate", SID)
    reason = read_reason(jingle)
    assert (reason.condition, reason.cause, reason.text) == ("gone", 9, "logged out")
    assert read_reason(session_terminate(SID)).condition == "success"


def test_conf_id_shape_is_shared_by_both_sides() -> None:
    assert jmi.conf_id_for(SID, "Meet.Test") == "9b2f0c6e1d7a4c558e213f0a6b7d9c10@meet.test#vcs"
    assert jmi.conf_id_for(SID.upper(), "meet.test") == jmi.conf_id_for(SID, "meet.test")
    other = jmi.conf_id_for("dino-7f3a", "meet.test")
    assert re.fullmatch(r"[0-9a-f]{32}@meet\.test#vcs", other)
    assert other != jmi.conf_id_for("dino-7f3b", "meet.test")
    fresh = jmi.new_sid()
    assert fresh != jmi.new_sid() and re.fullmatch(r"[0-9a-f]{32}@s#vcs", jmi.conf_id_for(fresh, "s"))


def test_session_info_mute_round_trip() -> None:
    from meetroom.net.jingle.info import SessionInfo, read_session_info, session_info

    jingle = wire(session_info(SID, "mute", name="1"))
    assert (jingle.get("action"), jingle.get("sid")) == ("session-info", SID)
    assert read_session_info(jingle) == [SessionInfo("mute", "1", "initiator")]
    assert read_session_info(wire(session_info(SID, "ringing"))) == [SessionInfo("ringing")]
    unknown = ET.fromstring(f"<jingle xmlns='{JINGLE}' action='session-info' sid='s'><x xmlns='urn:other'/></jingle>")
    assert read_session_info(unknown) == []
    with pytest.raises(ValueError):
        session_info(SID, "dance")
