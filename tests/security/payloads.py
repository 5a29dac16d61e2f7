"""A corpus of cross-site-scripting payloads for every field an editor or reader types into.

Every payload that managed to run would set `window.__xss` and open a dialog, so a browser
test can see it; the HTML checks in tests/security/hostile.py look for what would let it run.
Sources: the OWASP XSS filter-evasion cheat sheet, PortSwigger's XSS cheat sheet and the
Markdown-specific tricks that Markdown-to-HTML pipelines have got wrong.
"""

RUN = "window.__xss=1;alert(1)"

PAYLOADS = [
    # Script elements, plain and disguised.
    f"<script>{RUN}</script>",
    f"<SCRIPT>{RUN}</SCRIPT>",
    f"<ScRiPt >{RUN}</sCrIpT >",
    f'<script src="data:text/javascript,{RUN}"></script>',
    f"<script/x>{RUN}</script>",
    f"<<script>{RUN}//<</script>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    f"</script><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f'"></textarea><script>{RUN}</script>',
    f"'--></style></script><script>{RUN}</script>",
    f"<!--<script>--><script>{RUN}</script>",
    # Event handlers.
    f'<img src=x onerror="{RUN}">',
    f"<IMG SRC=x ONERROR={RUN}>",
    f"<img src=x onerror\n={RUN}>",
    f'<body onload="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f'<svg><animate onbegin="{RUN}" attributeName=x dur=1s>',
    f'<details open ontoggle="{RUN}">',
    f'<input autofocus onfocus="{RUN}">',
    f'<p onclick="{RUN}" style="background:url(javascript:{RUN})">click</p>',
    f'<video><source onerror="{RUN}"></video>',
    f'<marquee onstart="{RUN}">x</marquee>',
    f'<a href="#" onmouseover="{RUN}">hover</a>',
    # Dangerous URLs in HTML.
    f'<a href="javascript:{RUN}">link</a>',
    f'<a href="JaVaScRiPt:{RUN}">link</a>',
    f'<a href=" &#14; javascript:{RUN}">link</a>',
    f'<a href="jav&#x09;ascript:{RUN}">link</a>',
    f'<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{RUN}">x</a>',
    f'<a href="vbscript:msgbox(1)">vb</a><a href="data:text/html,<script>{RUN}</script>">d</a>',
    f'<iframe src="javascript:{RUN}"></iframe>',
    f'<iframe srcdoc="<script>{RUN}</script>"></iframe>',
    f'<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>{RUN}',
    f'<embed src="javascript:{RUN}">',
    f'<form action="javascript:{RUN}"><button>go</button></form>',
    f'<math><a xlink:href="javascript:{RUN}">m</a></math>',
    f'<svg><a xlink:href="javascript:{RUN}"><text y="20">s</text></a></svg>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f'<base href="javascript:{RUN}//">',
    f'<link rel="stylesheet" href="javascript:{RUN}">',
    f"<style>@import 'javascript:{RUN}';</style>",
    # Entity, encoding and broken-markup tricks.
    f"&lt;script&gt;{RUN}&lt;/script&gt;",
    f"<img src=`x` onerror=`{RUN}`>",
    f'<img """><script>{RUN}</script>">',
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>">',
    f'<svg><style><img src=x onerror="{RUN}"></style></svg>',
    f'<template><script>{RUN}</script></template><div id="x" onclick="{RUN}">',
    f"\x00<script>{RUN}</script>",
    # Markdown link and image tricks.
    f"[click me](javascript:{RUN})",
    f"[click me](JAVASCRIPT:{RUN})",
    f"[click me]( javascript:{RUN} )",
    f"[click me](&#x6A;avascript:{RUN})",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"[click me](vbscript:{RUN})",
    f'![x" onerror="{RUN}](missing.png)',
    f"![x](javascript:{RUN})",
    f'![x](missing.png "title\\" onerror=\\"{RUN}")',
    f"[ref]: javascript:{RUN}\n\n[click me][ref]",
    f"<javascript:{RUN}>",
    f'[a](https://example.org/"onmouseover="{RUN})',
    f"`<script>{RUN}</script>`",
    f"```\n</code></pre><script>{RUN}</script>\n```",
    # JSON-LD and attribute breakouts.
    f'</script><script>{RUN}</script><script type="application/ld+json">',
    f"\\u003c/script\\u003e<script>{RUN}</script>",
    f'"}}]}}</script><script>{RUN}</script>',
    f'" autofocus onfocus="{RUN}" x="',
    f"' autofocus onfocus='{RUN}' x='",
]

# Forbidden in the output of any page (the element names html.parser reports, lower-case).
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form",
    "input", "button", "textarea", "select", "style", "svg", "math", "meta", "link",
    "template", "noscript", "video", "audio", "source", "marquee", "details",
}  # fmt: skip
# URL schemes that run code or smuggle a document, after browser-style normalisation.
FORBIDDEN_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "data", "poster"}
