"""XSS and injection payloads that must come out as text wherever they are shown."""

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>*{display:none}</style>",
    '<details open ontoggle="alert(1)">',
    "{{7*7}} ${7*7} {% debug %}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\u202egnp.exe\u202c and \u200f rtl",
    "<!--<script>alert(1)//-->",
]
