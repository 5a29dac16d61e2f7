"""The Content-Security-Policy middleware, with one allowance for Django's admin."""

from csp.middleware import CSPMiddleware


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; admin pages may also use inline style attributes.

    Django's admin templates set a few `style="…"` attributes. Scripts stay strict there too.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), "style-src-attr": ["'unsafe-inline'"]}
        return parts
