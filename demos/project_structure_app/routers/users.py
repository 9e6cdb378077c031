"""Users: a public router, no dependencies."""

from fastapi import APIRouter

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/")
async def read_users() -> list[dict[str, str]]:
    return [{"username": "Rick"}, {"username": "Morty"}]


@router.get("/me")
async def read_user_me() -> dict[str, str]:
    return {"username": "fakecurrentuser"}


@router.get("/{username}")
async def read_user(username: str) -> dict[str, str]:
    return {"username": username}
