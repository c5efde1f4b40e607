"""Attachment bytes to text: PDF, DOCX, and legacy .doc/.wps through an external converter."""

import io
import logging
import random
import shutil
import stat

import pytest

from crawler import attachments
from crawler.attachments import attachment_text, doc_text, docx_text, pdf_text
from tests.conftest import SHARED

HAVE_ANTIWORD = shutil.which("antiword") is not None


def test_pdf_and_docx_are_read_and_broken_ones_are_empty():
    import docx

    from audits.demo.annual import report_numbers, report_pdf

    body = report_pdf("平远县人民政府", 2020, report_numbers(random.Random(11)))
    assert "本年新收" in pdf_text(body)
    assert attachment_text(body, "http://h/nb/2020.PDF?x=1", None) == pdf_text(body)
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    buffer = io.BytesIO()
    document.save(buffer)
    assert "一、总体情况" in attachment_text(buffer.getvalue(), "http://h/f", "application/vnd.openxmlformats-"
                                             "officedocument.wordprocessingml.document")
    assert pdf_text(b"%PDF-1.4 broken") == "" and docx_text(b"not a zip") == ""
    assert attachment_text(b"whatever", "http://h/x.xls", None) == ""


def test_real_pdf_is_read_by_pdfplumber():
    path = SHARED / "real" / "js_huaian_gov_2024_annual_report.pdf"
    if not path.exists():
        pytest.skip("shared/real is not beside the repository")
    text = pdf_text(path.read_bytes())
    assert "收到和处理政府信息公开申请情况" in text and "结转下年度继续办理" in text


@pytest.mark.skipif(not HAVE_ANTIWORD, reason="antiword is not installed (Debian package antiword)")
def test_antiword_rejects_what_is_not_a_word_file():
    # The real converter runs, refuses the bytes, and the audit gets "" (unknown), not a crash.
    assert doc_text(b"\xd0\xcf\x11\xe0 not really an OLE file" * 50) == ""
    assert attachment_text(b"plain bytes" * 100, "http://h/nb/2020.wps", None) == ""


@pytest.mark.skipif(not HAVE_ANTIWORD, reason="antiword is not installed (Debian package antiword)")
def test_antiword_reads_a_genuine_doc():
    samples = sorted((SHARED / "real").glob("*.doc")) if (SHARED / "real").exists() else []
    if not samples:
        pytest.skip("no genuine Word 97 .doc sample: none in shared/real, no writer installed here (LibreOffice "
                    "is not, by design), and a hand-built OLE file would test our writer, not antiword")
    assert "政府信息公开" in attachment_text(samples[0].read_bytes(), "http://h/report.doc", None)


def test_converter_output_is_returned_and_the_temp_file_is_ours(tmp_path):
    # A stand-in converter shows the plumbing: bytes go through a temp file we name, stdout comes back.
    seen = tmp_path / "seen"
    script = tmp_path / "fakeword"
    script.write_text(f"#!/bin/sh\nfor a; do last=$a; done\nbasename \"$last\" > {seen}\ncat \"$last\"\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    text = doc_text("一、总体情况".encode(), antiword=str(script), soffice=())
    assert text == "一、总体情况"
    assert seen.read_text().strip() == "attachment.doc"


def test_converter_timeout_gives_empty_text(tmp_path):
    script = tmp_path / "slowword"
    script.write_text("#!/bin/sh\nsleep 5\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    assert doc_text(b"x" * 10, antiword=str(script), soffice=(), timeout=0.5) == ""


def test_missing_converter_gives_empty_text_and_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(attachments, "_warned_missing", False)
    with caplog.at_level(logging.WARNING, logger="crawler.attachments"):
        for _ in range(3):
            assert doc_text(b"x" * 10, antiword="/nonexistent/antiword", soffice=("/nonexistent/soffice",)) == ""
    assert len([r for r in caplog.records if "converter" in r.getMessage()]) == 1
