"""Admin: shared with other projects, so it declares no prefix, tags or dependencies.

main.py adds them when it includes the router.
"""

from fastapi import APIRouter

router = APIRouter()


@router.post("/")
async def update_admin() -> dict[str, str]:
    return {"message": "Admin getting schwifty"}
