"""An operator's photo for a WhatsApp customer: the parcel uploaded, then sent as an image.

The real agent (app, runtime, sender) against the fake Cloud API, which checks uploads as Meta
does (multipart fields, type, size) and image messages (an uploaded JPEG or PNG, at most 1024
characters of caption, the 24-hour window).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from onebox_agent_whatsapp import testing as wa
from onebox_agent_whatsapp.client import GraphApiClient
from onebox_agent_whatsapp.errors import GraphApiError
from onebox_bus.contracts import FROM_OPERATOR, PARCEL, OutboundMessage, outbound_topic
from onebox_service import ParcelStore, with_failure_notice
from pydantic import SecretStr

from .test_whatsapp_agent import CONV, HOUR, OUT, Agent, make_agent, wait_for

__all__ = ["make_agent"]  # the agent fixture, shared with the agent's own tests

pytestmark = pytest.mark.anyio

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 300
REF = "operator-photo:4242:7"


@pytest.fixture
async def agent(make_agent: Callable[..., Any], graph: wa.FakeGraphApi) -> Agent:
    made: Agent = await make_agent()
    graph.clock = made.clock
    return made


def store_parcel(agent: Agent, data: bytes = JPEG, ref: str = REF) -> None:
    parcels = ParcelStore(agent.runtime.db, clock=agent.clock)
    with agent.runtime.db.transaction() as conn:
        parcels.put(conn, ref, data=data, content_type="image/jpeg")


def photo_reply(agent: Agent, caption: str, *, ref: str = REF) -> int:
    """Publish an operator's photo reply as the orchestrator does (woken: the parcel is in)."""
    notice = OutboundMessage(
        channel="telegram", conversation_id="4242", correlation_id="corr-op", reply_to="77",
        text="#1 WhatsApp · Ada: your photo was not delivered: {reason}.",
    )  # fmt: skip
    meta = with_failure_notice({FROM_OPERATOR: "1", PARCEL: ref}, notice)
    message = OutboundMessage(
        channel="whatsapp", conversation_id=CONV, text=caption, correlation_id="corr-op",
        received_at=agent.clock(), meta=meta,
    )  # fmt: skip
    return agent.runtime.bus.publish(OUT, message.to_payload(), key=message.key)


async def customer_wrote(agent: Agent) -> None:
    await agent.post(wa.payload(wa.text("hi", timestamp=agent.clock())))
    await agent.window_recorded()
    agent.graph.customer_wrote(wa.CUSTOMER, at=agent.clock())


async def test_a_parcel_is_uploaded_and_sent_as_an_image_with_its_caption(agent: Agent) -> None:
    await customer_wrote(agent)
    store_parcel(agent)
    photo_reply(agent, "Here is the engraving.")
    [image] = await wait_for(agent.graph.images)
    [upload] = agent.graph.uploads()
    assert upload.data == JPEG
    assert (upload.mime_type, upload.filename) == ("image/jpeg", "photo.jpg")
    assert upload.fields == {"messaging_product": "whatsapp", "type": "image/jpeg"}
    assert image.body["to"] == wa.CUSTOMER
    assert image.body["image"] == {"id": upload.media_id, "caption": "Here is the engraving."}
    await wait_for(lambda: agent.runtime.bus.stats()[OUT].done == 1)
    assert ParcelStore(agent.runtime.db).get(REF) is None  # gone with the delivery record


async def test_a_long_caption_goes_partly_with_the_image_and_the_rest_as_text(
    agent: Agent,
) -> None:
    await customer_wrote(agent)
    store_parcel(agent)
    caption = "Our engraving takes two days. " * 40  # 1200 characters
    photo_reply(agent, caption)
    [text] = await wait_for(agent.graph.texts)
    [image] = agent.graph.images()
    first = image.body["image"]["caption"]
    assert len(first) <= 1024
    assert f"{first} {text.body['text']['body']}" == caption.strip()
    assert image.arrived_monotonic < text.arrived_monotonic


async def test_a_photo_outside_the_window_is_refused_and_the_operator_told(agent: Agent) -> None:
    await customer_wrote(agent)
    agent.clock.advance(25 * HOUR)
    store_parcel(agent)
    photo_reply(agent, "Here is the engraving.")
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert "outside the 24-hour window" in (dead.error or "")
    assert "a photo cannot go as a template" in (dead.error or "")
    [claimed] = agent.runtime.bus.claim(outbound_topic("telegram"), consumer="test")
    notice = OutboundMessage.from_payload(claimed.payload)
    assert notice.text.startswith("#1 WhatsApp · Ada: your photo was not delivered: outside")
    assert agent.graph.uploads() == []  # nothing went to WhatsApp
    assert agent.graph.message_requests() == []
    assert ParcelStore(agent.runtime.db).get(REF) is None


async def test_a_photo_that_never_arrived_tells_the_operator(agent: Agent) -> None:
    await customer_wrote(agent)
    photo_reply(agent, "Here it is")  # its wait ran out: no parcel
    [dead] = await wait_for(lambda: agent.runtime.bus.dead_letters(topic=OUT))
    assert dead.error == "the photo did not arrive from the operator chat in time; send it again"
    assert agent.graph.uploads() == []


async def test_the_fake_checks_uploads_and_images_as_the_cloud_api_does(
    graph: wa.FakeGraphApi,
) -> None:
    url = f"{graph.url}/v23.0/{wa.PHONE_NUMBER_ID}/media"
    auth = {"Authorization": f"Bearer {wa.ACCESS_TOKEN}"}
    async with httpx.AsyncClient() as http:
        client = GraphApiClient(
            http=http, api_url=graph.url, phone_number_id=wa.PHONE_NUMBER_ID,
            access_token=SecretStr(wa.ACCESS_TOKEN),
        )  # fmt: skip

        async def error_of(**kw: Any) -> dict[str, Any]:
            response = await http.post(url, headers=auth, **kw)
            assert response.status_code == 400
            error: dict[str, Any] = response.json()["error"]
            return error

        jpeg = ("photo.jpg", JPEG, "image/jpeg")
        missing = await error_of(data={"type": "image/jpeg"}, files={"file": jpeg})
        assert missing["message"] == "(#100) The parameter messaging_product is required."
        no_file = await error_of(data={"messaging_product": "whatsapp", "type": "image/jpeg"})
        assert no_file["message"] == "(#100) The parameter file is required."
        untyped = await error_of(
            data={"messaging_product": "whatsapp", "type": "image/jpeg"},
            files={"file": ("photo", JPEG)},  # no type of its own, none guessed from a name
        )
        assert untyped["message"].endswith("Received file of type 'application/octet-stream'.")
        big = await error_of(
            data={"messaging_product": "whatsapp", "type": "image/jpeg"},
            files={"file": ("big.jpg", JPEG + bytes(5 * 1024 * 1024), "image/jpeg")},
        )
        assert (big["code"], big["error_user_title"]) == (100, "File Too Large")
        assert graph.uploads() == []

        media_id = await client.upload_media(JPEG, mime_type="image/jpeg", filename="photo.jpg")
        assert [u.media_id for u in graph.uploads()] == [media_id]
        with pytest.raises(GraphApiError) as unknown:
            await client.send_image(wa.CUSTOMER, "999", caption="hi")
        assert unknown.value.code == 100
        with pytest.raises(GraphApiError):
            await client.send_image(wa.CUSTOMER, media_id, caption="x" * 1025)
        sent = await client.send_image(wa.CUSTOMER, media_id, caption="x" * 1024)
        assert sent.message_id.startswith("wamid.")
    assert len(graph.images()) == 1
