"""The emulator's HTTP server (Bot API over real HTTP) and the in-process API tests and the demo use."""

import asyncio
import logging
import time
from collections.abc import Callable

from aiohttp import web

from bot.emulator.errors import ApiError
from bot.emulator.methods import HANDLERS, ApiMethods
from bot.emulator.models import ApiCall, BotMessage
from bot.emulator.params import MAX_REQUEST_BYTES, read_params
from bot.emulator.spec import canonical_method, validate_params
from bot.emulator.users import UserActions

log = logging.getLogger(__name__)


class TelegramEmulator(ApiMethods, UserActions):
    """A local Telegram Bot API server for one bot.

    Point aiogram at ``base_url`` with ``AiohttpSession(api=TelegramAPIServer.from_base(base_url))``.
    Requests Telegram would refuse get Telegram's error envelope and are listed in ``rejections``.
    """

    def __init__(
        self,
        *,
        token: str,
        bot_id: int = 7000000001,
        bot_username: str = "norra_hisingen_bot",
        chat_rate: float | None = None,
        chat_burst: int = 5,
        global_rate: float | None = None,
        global_burst: int = 30,
        monotonic: Callable[[], float] = time.monotonic,
        latency: float = 0.0,
    ) -> None:
        # Seconds each answer takes after the work is done, like a real network round trip.
        self.latency = latency
        super().__init__(
            token=token,
            bot_id=bot_id,
            bot_username=bot_username,
            chat_rate=chat_rate,
            chat_burst=chat_burst,
            global_rate=global_rate,
            global_burst=global_burst,
            monotonic=monotonic,
        )
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 = any free port); returns the base URL, e.g. http://127.0.0.1:54321."""
        self._updates.closed = False  # a restarted emulator long-polls again
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        """Answer waiting getUpdates with [] and shut the server down."""
        self._updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.method not in ("GET", "POST"):
            return self._respond(request.match_info["method"], {}, ApiError(405, "Method Not Allowed"))
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._respond(name, {}, ApiError(401, "Unauthorized"))
        method = canonical_method(name)
        if method is None:
            return self._respond(name, {}, ApiError(404, "Not Found"))
        params: dict = {}
        try:
            params = await read_params(request)
            self._raise_planned_failure(method)
            params = validate_params(method, params)
            result = await HANDLERS[method](self, params)
            delay = self._delays[method].popleft() if self._delays.get(method) else 0.0
            if method != "getUpdates":
                delay = max(delay, self.latency)
            if delay:
                await asyncio.sleep(delay)
        except ApiError as error:
            return self._respond(method, params, error)
        except Exception as error:  # an emulator bug: answer like Telegram's 500 and record it
            log.exception("emulator failed on %s", method)
            return self._respond(method, params, ApiError(500, f"Internal Server Error: {error!r}"))
        return self._respond(method, params, result)

    async def _download(self, request: web.Request) -> web.Response:
        content = self.file_content(request.match_info["path"])
        if request.match_info["token"] != self.token or content is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    def _respond(self, method: str, params: dict, outcome: object) -> web.Response:
        if isinstance(outcome, ApiError):
            self.calls.append(
                ApiCall(method, params, False, outcome.error_code, outcome.description, None, outcome.expected)
            )
            headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after is not None else None
            return web.json_response(outcome.body(), status=outcome.error_code, headers=headers)
        self.calls.append(ApiCall(method, params, True, 200, None, outcome))
        return web.json_response({"ok": True, "result": outcome})

    def _raise_planned_failure(self, method: str) -> None:
        planned = self._failures.get(method)
        if planned:
            raise planned.popleft()

    # --- test controls and inspection --------------------------------------------------------

    @property
    def rejections(self) -> list[ApiCall]:
        """Failed calls that were not provoked by the test: each one is a bot bug (or an emulator gap)."""
        return [call for call in self.calls if not call.ok and not call.expected]

    @property
    def is_polling(self) -> bool:
        """True while a getUpdates long poll is waiting."""
        return self._updates.waiting_polls > 0

    @property
    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet (getUpdates confirms everything below its offset)."""
        return len(self._updates)

    def fail_next(self, method: str, error_code: int, description: str, retry_after: int | None = None) -> None:
        """Make the next call of ``method`` fail with this error (not counted in ``rejections``)."""
        name = canonical_method(method)
        if name is None:
            raise ValueError(f"the emulator does not implement {method!r}")
        self._failures[name].append(ApiError(error_code, description, retry_after=retry_after, expected=True))

    def delay_next(self, method: str, seconds: float) -> None:
        """Do the next call of ``method`` (the message arrives) but answer only after ``seconds``.

        With a client timeout shorter than that, this is the case a sender cannot tell apart from a lost request.
        """
        name = canonical_method(method)
        if name is None:
            raise ValueError(f"the emulator does not implement {method!r}")
        self._delays[name].append(seconds)

    def on_bot_message(self, listener: Callable[[BotMessage], None]) -> None:
        """Call ``listener`` for every new bot message, and again after each edit (``edited`` is True)."""
        self._listeners.append(listener)

    def messages(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages in the chat, oldest first, as they are now (deleted ones flagged)."""
        return list(self._bot_messages.get(chat_id, ()))

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        for message in self._bot_messages.get(chat_id, ()):
            if message.message_id == message_id:
                return message
        raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")

    async def wait_for_message(self, chat_id: int, index: int, timeout: float = 5.0) -> BotMessage:
        """Wait until the bot has sent message number ``index`` (0-based) in the chat and return it."""
        try:
            await self._signal.wait_until(lambda: len(self._bot_messages.get(chat_id, ())) > index, timeout)
        except TimeoutError:
            raise TimeoutError(self._describe_wait(chat_id, index, timeout)) from None
        return self._bot_messages[chat_id][index]

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> dict:
        try:
            await self._signal.wait_until(lambda: query_id in self.callback_answers, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"callback query {query_id} was not answered within {timeout} s; rejected calls: {self.rejections}"
            ) from None
        return self.callback_answers[query_id]

    def _describe_wait(self, chat_id: int, index: int, timeout: float) -> str:
        texts = [m.text for m in self._bot_messages.get(chat_id, ())]
        return (
            f"chat {chat_id} has {len(texts)} bot message(s) after {timeout} s, wanted index {index}: "
            f"{texts!r}; rejected calls: {self.rejections!r}"
        )
