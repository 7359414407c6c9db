"""Text-layer PDFs of ICE's paper, generated from the published I-247A wording (fact sheet § 2.2).

The wording follows the fields and boxes the fact sheet lists; the person's details are invented
and include what the desk must never read out (citizenship, date of birth, name).
"""

from __future__ import annotations

import io

from fpdf import FPDF

PERSON_SECRETS = ("MEXICO", "01/02/1980", "DOE-EXAMPLE, JOHN")


def _box(checked: bool) -> str:
    return "[X]" if checked else "[ ]"


def i247a_pdf(
    *,
    boxes: tuple[bool, bool, bool, bool] = (False, False, True, False),
    box2: bool = False,
    notify: bool = True,
    hold: bool = True,
    with_i200: bool = True,
    office: str = "ICE ERO Denver Field Office",
    issued: str = "09/26/2017",
) -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)

    def line(text: str) -> None:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    line("DEPARTMENT OF HOMELAND SECURITY")
    line("IMMIGRATION DETAINER - NOTICE OF ACTION")
    line(f"Subject ID: 345678901   Event #: DEN1709000123   File No: 0000000   Date: {issued}")
    line("TO: Denver Sheriff Department, or any subsequent law enforcement agency")
    line(f"FROM: {office}")
    line(f"Name of Alien: {PERSON_SECRETS[2]}")
    line(f"Date of Birth: {PERSON_SECRETS[1]}   Citizenship: {PERSON_SECRETS[0]}   Sex: M")
    line(
        "1. DHS HAS DETERMINED THAT PROBABLE CAUSE EXISTS THAT THE SUBJECT IS A REMOVABLE ALIEN. "
        "THIS DETERMINATION IS BASED ON (check any):"
    )
    wording = (
        "A final order of removal against the alien;",
        "The pendency of ongoing removal proceedings against the alien;",
        "Biometric confirmation of the alien's identity and a records check of federal "
        "databases that affirmatively indicate, by themselves or in addition to other reliable "
        "information, that the alien either lacks immigration status or notwithstanding such "
        "status is removable under U.S. immigration law; and/or",
        "Statements made by the alien to an immigration officer and/or other reliable evidence "
        "that affirmatively indicate the alien either lacks immigration status or "
        "notwithstanding such status is removable under U.S. immigration law.",
    )
    for checked, text in zip(boxes, wording, strict=True):
        line(f"{_box(checked)} {text}")
    line(
        f"2. {_box(box2)} DHS TRANSFERRED THE ALIEN TO YOUR CUSTODY FOR A PROCEEDING OR "
        "INVESTIGATION and intends to resume custody of the alien."
    )
    line("IT IS THEREFORE REQUESTED THAT YOU:")
    line(
        f"{_box(notify)} Notify DHS as early as practicable (at least 48 hours, if possible) "
        "before the alien is released from your custody."
    )
    line(
        f"{_box(hold)} Maintain custody of the alien for a period NOT TO EXCEED 48 HOURS beyond "
        "the time when he/she would otherwise have been released from your custody to allow DHS "
        "to assume custody."
    )
    line("(Signature of Immigration Officer)   Supervisory Detention and Deportation Officer")
    line("Form I-247A (3/17)")
    if with_i200:
        pdf.add_page()
        line("U.S. DEPARTMENT OF HOMELAND SECURITY")
        line("WARRANT FOR ARREST OF ALIEN")
        line(f"To any immigration officer: Name of Alien {PERSON_SECRETS[2]}")
        line("(Signature of Authorized Immigration Officer)")
        line("Form I-200 (Rev. 09/16)")
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A page that is only a picture (a fax or a scan): no text layer at all."""
    from PIL import Image

    picture = Image.new("L", (200, 260), color=235)
    for x in range(20, 180):
        picture.putpixel((x, 40), 20)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    buffer.seek(0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(buffer, x=10, y=10, w=180)
    return bytes(pdf.output())
