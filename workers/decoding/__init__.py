"""Bytes from outside → text, in one place for every stage: the page and feed charset (BOM, HTTP header,
<meta>, windows-1251/KOI8-R detection, mojibake repair: `charset`) and bounded gzip/deflate/br
decompression of response bodies (`compression`). Below the stages: imports nothing of theirs."""
