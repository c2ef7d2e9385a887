"""Uploads above the limit are refused from their Content-Length, before the body is read:
413 and one sentence, not a hang while 2 GB arrive."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def too_large_message() -> str:
    mb = settings.CHOSHO_MAX_UPLOAD_BYTES // (1024 * 1024)
    return f"ファイルが大きすぎます（上限 {mb} MB）。入力ブックに画像などが貼られていないか確かめてください。"


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.CHOSHO_MAX_UPLOAD_BYTES:
            message = too_large_message()
            if request.path.startswith("/api/"):
                return JsonResponse({"error": message}, status=413, json_dumps_params={"ensure_ascii": False})
            return render(request, "portal/message.html",
                          {"title": "ファイルが大きすぎます", "message": message}, status=413)
        return self.get_response(request)
