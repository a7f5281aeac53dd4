"""Response headers that Django's SecurityMiddleware does not set itself."""

from django.conf import settings


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    The policy allows only 'self': no CDN, no inline script or style, so pages keep
    working on a tablet that is offline and injected markup cannot run.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY.header())
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY.header())
        return response
