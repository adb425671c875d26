"""Fetch stage: bounded, SSRF-guarded HTTP (`http.fetch_url`), charset decoding (`decode.decode_html`),
robots.txt rules (`robots`)."""
