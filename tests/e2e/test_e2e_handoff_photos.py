"""An operator's photo reaches the customer, with the stack run by ``onebox up``.

The operator answers an escalation post with a photo (and a caption) in the Telegram operator
chat. A Telegram customer gets the same photo by its ``file_id``; for a WhatsApp customer the
Telegram agent downloads it, the bytes wait in the shared database, and the WhatsApp agent
uploads them and sends an image, in order with the operator's text before and after it. A
photo too large for WhatsApp is refused with a message to the operator, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from onebox_agent_telegram.testing import FakeBotAPI, photo_update, update_bytes
from onebox_agent_whatsapp import testing as wa

from .conftest import UpStack, wait_for
from .test_e2e_handoff import OPERATOR_CHAT, SECRET, Driver, fakes, stack_env

__all__ = ["fakes"]  # the fixture, shared with the handoff tests

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 400  # ~100 KB
PHOTO_ID = "AgACAgIAAxkBAAIBZ2engraving"
MB = 1024 * 1024


def operator_photo(
    drive: Driver, caption: str, *, reply_to: int, file_id: str, file_size: int | None
) -> None:
    drive.update_id += 1
    update = photo_update(drive.update_id, OPERATOR_CHAT, caption, file_id=file_id,
                          file_size=file_size, reply_to=reply_to)  # fmt: skip
    response = drive.http.post(
        drive.stack.urls["telegram"] + "/webhook/telegram",
        content=update_bytes(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200


def test_a_photo_reaches_a_whatsapp_customer_in_order_and_an_oversize_one_is_refused(
    up_stack: Callable[..., UpStack], fakes: tuple[FakeBotAPI, wa.FakeGraphApi]
) -> None:
    bot, graph = fakes
    bot.add_file(PHOTO_ID, JPEG, file_path="photos/file_1.jpg", content_type="image/jpeg")
    big = JPEG + bytes(6 * MB)
    bot.add_file("AgACbig", big, file_path="photos/file_2.jpg", content_type="image/jpeg")
    stack = up_stack(stack_env(bot, graph))

    def to_customer() -> list[wa.RecordedRequest]:
        return [r for r in graph.message_requests() if r.status == 200 and r.body.get("to")]

    with httpx.Client(timeout=10) as http:
        drive = Driver(stack, http)
        drive.customer("Can you engrave a name on a ceramic pot?")
        wait_for(lambda: to_customer() and bot.posts(OPERATOR_CHAT), within=60, what="handoff")
        [(post_id, _)] = bot.posts(OPERATOR_CHAT)

        # Text, photo, text: the photo waits for its download, the text after it waits too.
        drive.operator("Yes! Here is one we did last week:", reply_to=post_id)
        operator_photo(drive, "Engraved by hand, 5 EUR per name.", reply_to=post_id,
                       file_id=PHOTO_ID, file_size=len(JPEG))  # fmt: skip
        drive.operator("Shall I do yours the same way?", reply_to=post_id)
        wait_for(lambda: len(to_customer()) == 4, within=60, what="text, photo, text")
        sent = to_customer()[1:]
        assert [r.body["type"] for r in sent] == ["text", "image", "text"]
        assert sent[0].body["text"]["body"] == "Yes! Here is one we did last week:"
        assert sent[2].body["text"]["body"] == "Shall I do yours the same way?"
        [upload] = graph.uploads()
        assert upload.data == JPEG  # the operator's bytes, unchanged, Telegram to WhatsApp
        assert sent[1].body["image"] == {
            "id": upload.media_id,
            "caption": "Engraved by hand, 5 EUR per name.",
        }

        # Declared too large: refused at once in the operator chat.
        operator_photo(drive, "A bigger one", reply_to=post_id, file_id="AgACbig",
                       file_size=len(big))  # fmt: skip
        wait_for(lambda: len(bot.posts(OPERATOR_CHAT)) == 2, within=60, what="refusal")
        refusal = bot.posts(OPERATOR_CHAT)[1][1]
        assert "more than the 5 MB a photo on WhatsApp may be, so nothing was sent" in refusal

        # Not declared in the update: getFile's size stops it before the download, and the
        # operator is told through the reply's failure notice.
        operator_photo(drive, "Again", reply_to=post_id, file_id="AgACbig", file_size=None)
        wait_for(lambda: len(bot.posts(OPERATOR_CHAT)) == 3, within=60, what="notice")
        notice = bot.posts(OPERATOR_CHAT)[2][1]
        assert notice.endswith(
            "your photo was not delivered: the photo is 6.1 MB, more than the 5 MB a photo on "
            "WhatsApp may be."
        )
    assert len(graph.uploads()) == 1
    assert len(graph.images()) == 1
    assert len(to_customer()) == 4
    assert len(bot.downloads()) == 1  # the large photo was never downloaded


def test_a_photo_reaches_a_telegram_customer_by_its_file_id(
    up_stack: Callable[..., UpStack], fakes: tuple[FakeBotAPI, wa.FakeGraphApi]
) -> None:
    bot, graph = fakes
    bot.add_file(PHOTO_ID, JPEG, file_path="photos/file_1.jpg", content_type="image/jpeg")
    stack = up_stack(stack_env(bot, graph))
    customer = 777001

    with httpx.Client(timeout=10) as http:
        drive = Driver(stack, http)
        drive.telegram(customer, "Can I talk to a human please?")
        wait_for(lambda: bot.posts(customer) and bot.posts(OPERATOR_CHAT), within=60, what="post")
        [(post_id, _)] = bot.posts(OPERATOR_CHAT)
        operator_photo(drive, "This is the pot you asked about.", reply_to=post_id,
                       file_id=PHOTO_ID, file_size=len(JPEG))  # fmt: skip
        [photo] = wait_for(lambda: bot.photos(customer), within=60, what="photo delivered")
    assert photo.params["photo"] == PHOTO_ID
    assert photo.params["caption"] == "This is the pot you asked about."
    assert bot.downloads() == []  # the same bot sends its own file again: nothing fetched
    assert graph.uploads() == []
