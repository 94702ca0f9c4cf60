"""Reads Bot API parameters from an HTTP request, as Telegram does: URL query, JSON, urlencoded or multipart.

In multipart requests, parts with a filename are uploads; a field value ``attach://<name>``
refers to the upload part called ``<name>`` (that is how aiogram sends every InputFile).
"""

import json

from aiohttp import web

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.spec import UploadedFile

ATTACH = "attach://"
MAX_REQUEST_BYTES = 50 * 1024 * 1024  # Telegram's upload limit for bots


async def read_params(request: web.Request) -> dict:
    params: dict = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return params
    if request.content_type == "application/json":
        params.update(await _json_body(request))
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.update(await _form_body(request))
    return params


async def _json_body(request: web.Request) -> dict:
    try:
        body = json.loads(await request.text())
    except ValueError as error:
        raise bad_request("can't parse JSON encoded request body") from error
    if not isinstance(body, dict):
        raise bad_request("JSON request body must be an object")
    return body


async def _form_body(request: web.Request) -> dict:
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge as error:
        raise ApiError(413, "Request Entity Too Large") from error
    fields: dict = {}
    uploads: dict[str, UploadedFile] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            uploads[name] = UploadedFile(value.filename, value.file.read(), value.content_type)
        else:
            fields[name] = value
    for name, value in list(fields.items()):
        if isinstance(value, str) and value.startswith(ATTACH):
            upload = uploads.get(value.removeprefix(ATTACH))
            if upload is None:
                raise bad_request(f'file "{value}" is not attached to the request')
            fields[name] = upload
    # An upload may also be sent directly as the parameter's own part (e.g. photo=<file>).
    for name, upload in uploads.items():
        fields.setdefault(name, upload)
    return fields
