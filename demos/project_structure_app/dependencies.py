"""Dependencies shared by several routers."""

from typing import Annotated

from fastapi import Header, HTTPException

SECRET_TOKEN = "fake-super-secret-token"  # a real app reads it from settings (pydantic-settings)


async def get_token_header(x_token: Annotated[str, Header()]) -> None:
    if x_token != SECRET_TOKEN:
        raise HTTPException(status_code=400, detail="X-Token header invalid")
