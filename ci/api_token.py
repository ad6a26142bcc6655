#!/usr/bin/env python3
"""Signs in as a subject's editor and creates an API token for that subject, as a person would
on the subject's token page; prints the token. CI gives it to schemathesis, so that the API's
write operations are fuzzed with real rights, not only refused for want of them.

Usage: api_token.py BASE_URL EMAIL PASSWORD SUBJECT_ID
"""

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base, email, password, subject = sys.argv[1:5]
jar = http.cookiejar.CookieJar()


class KeepPost(urllib.request.HTTPRedirectHandler):
    """Does not follow redirects: the log-in answers 303 with the session cookie."""

    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), KeepPost())


def post(path, fields):
    request = urllib.request.Request(
        base + path,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with opener.open(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


status, _ = post("/entrar", {"email": email, "password": password})
if status != 303:
    sys.exit(f"log-in of {email}: {status}")
status, page = post(f"/sujetos/{subject}/tokens", {"name": "schemathesis (CI)"})
match = re.search(r"<code class=\"mono\">(tqo_[A-Za-z0-9_-]+)</code>", page)
if status != 200 or not match:
    sys.exit(f"creating a token for subject {subject}: {status}")
print(match.group(1))
