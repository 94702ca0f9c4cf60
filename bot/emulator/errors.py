"""The Bot API error a method handler raises; the server turns it into Telegram's error envelope."""


class ApiError(Exception):
    """An error response: HTTP status == ``error_code``, body ``{"ok": false, ...}``."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        expected: bool = False,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        # Expected errors (provoked by the test, or normal on restart) are not bot bugs.
        self.expected = expected

    def body(self) -> dict:
        body: dict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")
