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


class HealthCheckMiddleware:
    """Answer `/healthz` whatever the Host header says.

    Load balancers and monitoring probe the server by its IP address or an internal host
    name, which ALLOWED_HOSTS rightly does not list. The probe is answered here, before
    anything asks for the host (CommonMiddleware, CSRF), so it gets 200 instead of a 400
    and an ERROR in the log; every other path still checks the host.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from redliv.views import healthz

            return healthz(request)
        return self.get_response(request)
