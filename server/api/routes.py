"""``/api/v1``: the routes of the API (every one described in openapi.py)."""

import re

from starlette.routing import Route

from . import auth, codes, declarations, establishments, openapi

# fmt: off
routes = [
    Route("/auth/token", auth.create_token, methods=["POST"], name="token"),
    Route("/auth/tokens", auth.list_tokens, methods=["GET"], name="tokens"),
    Route("/auth/tokens/{token_id:int}", auth.revoke_token, methods=["DELETE"], name="revoke_token"),
    Route("/me", auth.me, methods=["GET"], name="me"),
    Route("/codes", codes.code_lists, methods=["GET"], name="codes"),
    Route("/openapi.json", openapi.openapi, methods=["GET"], name="openapi"),
    Route("/declarations/batch", declarations.batch, methods=["POST"], name="declarations_batch"),
    Route("/declarations", declarations.feed, methods=["GET"], name="declarations"),
    Route("/declarations/{declaration_id:uuid}", declarations.detail, methods=["GET"], name="declaration"),
    Route("/declarations/{declaration_id:uuid}", declarations.correct, methods=["PUT"], name="declaration_correct"),
    Route("/declarations/{declaration_id:uuid}/checkout", declarations.checkout, methods=["POST"], name="declaration_checkout"),
    Route("/declarations/{declaration_id:uuid}/cancel", declarations.cancel, methods=["POST"], name="declaration_cancel"),
    Route("/declarations/{declaration_id:uuid}/rating", declarations.rate, methods=["POST"], name="declaration_rating"),
    Route("/establishments", establishments.list_establishments, methods=["GET"], name="establishments"),
    Route("/establishments/{establishment_id:int}", establishments.get_establishment, methods=["GET"], name="establishment"),
    Route("/establishments/{establishment_id:int}/users", establishments.establishment_users, methods=["GET"], name="establishment_users"),
]
# fmt: on


def operation_ids() -> dict[tuple[str, str], str]:
    """The OpenAPI operationId of each (path, method): the route's name."""
    found = {}
    for route in routes:
        path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path)
        for method in route.methods or ():
            if method != "HEAD":
                found[(path, method.lower())] = route.name
    return found
