vcl 4.1;
# Varnish 7 in front of Vetted's app servers (docs/operations.md, "Behind Varnish or a CDN").
# Needs varnish-modules for xkey (Debian: apt-get install varnish varnish-modules).
#
# What it does:
# - caches anonymous public pages for as long as the origin's Cache-Control s-maxage says;
# - passes the admin, previews (under /admin/), the health check, every method but GET and
#   HEAD, and anyone who sends a session cookie, and never stores what the origin marks
#   private or answers with Set-Cookie;
# - drops every other cookie from public requests: public pages read none, and analytics
#   cookies would otherwise split or stop the cache;
# - turns the app's `PURGE /` with a Surrogate-Key header into xkey soft purges, allowed only
#   from the addresses in the `origins` ACL;
# - serves pages past their lifetime (up to a day) while the origin is down or failing.

import std;
import xkey;
import directors;

# One backend per app server; add app2, app3, ... and list them in vcl_init.
backend app1 {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    # /healthz answers 503 while the app cannot reach PostgreSQL: cached pages are served then.
    .probe = {
        .url = "/healthz";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# The app servers' addresses: only they may purge (EDGE_PURGE_URLS points here).
acl origins {
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app1);
}

sub vcl_recv {
    set req.backend_hint = app.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ origins) {
            return (synth(403, "Purging is allowed only from the origin."));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "A purge names its Surrogate-Key."));
        }
        # Soft purge: the page stops being fresh at once, yet can still be served while the
        # origin is down (see req.grace below).
        set req.http.X-Purged = xkey.softpurge(req.http.Surrogate-Key);
        return (synth(200, "Purged " + req.http.X-Purged + " objects."));
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin(/|$)" || req.url ~ "^/healthz") {
        return (pass);
    }
    # A signed-in editor (or one who was): their pages are theirs alone.
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    unset req.http.Cookie;
    unset req.http.Authorization;

    # Tracking parameters never change a page: drop them, and sort the rest, so one page is
    # one object however a link was decorated.
    set req.url = regsuball(req.url, "(?i)([?&])(utm_[a-z]+|fbclid|gclid|mc_[a-z]+)=[^&]*", "\1");
    set req.url = regsuball(req.url, "&&+", "&");
    set req.url = regsub(req.url, "[?&]+$", "");
    set req.url = regsub(req.url, "\?&", "?");
    set req.url = std.querysort(req.url);

    # While the origin is healthy, never hand out a page past its lifetime: a purged page is
    # fetched again at once, so an approval shows on the next request. While it is sick, serve
    # what there is for up to a day (the stale-if-error the origin asks for).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || !beresp.http.Cache-Control) {
        # Not for sharing: remember that for a while, so requests for it go straight through.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # A failing origin does not replace a page that is still there to serve.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    if (beresp.status >= 500) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL comes from s-maxage. Keep the page a day longer, for outages.
    set beresp.grace = 24h;
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    return (deliver);
}

sub vcl_backend_error {
    # The origin cannot be reached and nothing stale is left: a short plain answer.
    set beresp.http.Content-Type = "text/plain; charset=utf-8";
    set beresp.http.Retry-After = "30";
    set beresp.http.Cache-Control = "no-store";
    synthetic({"The service is temporarily unavailable. Please try again in a minute.
"});
    return (deliver);
}

sub vcl_deliver {
    # Keys are for caches, not readers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Via;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    synthetic(resp.reason + {"
"});
    return (deliver);
}
