"""Request fingerprints that keep units apart."""

from __future__ import annotations

import hashlib

from scrapy.utils.request import RequestFingerprinter


class UnitRequestFingerprinter(RequestFingerprinter):
    """Scrapy's fingerprint, salted with the unit id from ``request.meta["zwgk_unit"]``."""

    def fingerprint(self, request) -> bytes:
        base = super().fingerprint(request)
        unit = request.meta.get("zwgk_unit")
        if not unit:
            return base
        return hashlib.sha1(base + b"|" + unit.encode("utf-8")).digest()
