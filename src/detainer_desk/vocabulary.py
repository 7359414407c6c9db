"""The one vocabulary of Detainer Desk.

Every name here is taken verbatim from the legal fact sheet (section 0) and is used unchanged in
the Python API, the JSON documents, the CLI and the Cedar policies. Nothing else in the code base
spells these words on its own: import them from here.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Action(StrEnum):
    """What the jail may be asked to do; a decision answers one action at a time."""

    hold_beyond_release = "hold_beyond_release"
    notify_release = "notify_release"
    share_release_date = "share_release_date"
    allow_in_person_interview = "allow_in_person_interview"
    allow_remote_interview = "allow_remote_interview"
    share_immigration_status_or_birthplace = "share_immigration_status_or_birthplace"
    transfer_custody = "transfer_custody"
    share_personal_info = "share_personal_info"


class RequestKind(StrEnum):
    """What federal immigration authorities sent."""

    detainer = "detainer"
    notification_request = "notification_request"
    transfer_request = "transfer_request"
    interview_request = "interview_request"
    information_request = "information_request"


class Form(StrEnum):
    """The federal form the request arrived on (fact sheet 2.2)."""

    I_247A = "I-247A"  # Immigration Detainer - Notice of Action (02/17), from 2017-04-02
    I_247 = "I-247"  # Immigration Detainer (Dec 2011 / Dec 2012 versions)
    I_247D = "I-247D"  # Request for Voluntary Action (2015 - 2017-04-02)
    I_247N = "I-247N"  # Request for Voluntary Notification of Release (2015 - 2017-04-02)
    I_247X = "I-247X"  # Request for Voluntary Transfer (2015 - 2017-04-02)
    I_203 = "I-203"  # Order to Detain or Release Alien
    other = "other"


class WarrantKind(StrEnum):
    """The paper actually attached to the request; never inferred from the form (fact sheet 2.2)."""

    none = "none"
    administrative_I200 = "administrative_I200"  # Warrant for Arrest of Alien (immigration officer)
    administrative_I205 = (
        "administrative_I205"  # Warrant of Removal/Deportation (immigration officer)
    )
    administrative_I203 = "administrative_I203"  # Order to detain or release (immigration officer)
    judicial_criminal_warrant = "judicial_criminal_warrant"  # signed by a federal judge/magistrate
    judicial_probable_cause_determination = "judicial_probable_cause_determination"
    # An immigration judge's removal order: civil, issued in removal proceedings by a DOJ (EOIR)
    # immigration judge — never a judicial criminal warrant (fact sheet 2.2; CA_GC_7284_6 reads
    # "judicial warrant" as a federal judge's or magistrate judge's criminal warrant).
    immigration_judge_order = "immigration_judge_order"

    @property
    def is_judicial(self) -> bool:
        return self.value.startswith("judicial_")

    @property
    def is_administrative(self) -> bool:
        return self.value.startswith("administrative_")


class ProbableCauseBasis(StrEnum):
    """The I-247A boxes (fact sheet 2.2). Boxes a and b reveal status: never stored or echoed."""

    final_order_of_removal = "final_order_of_removal"
    pending_removal_proceedings = "pending_removal_proceedings"
    biometric_and_database_check = "biometric_and_database_check"
    statements_or_other_evidence = "statements_or_other_evidence"
    transferred_for_proceeding = "transferred_for_proceeding"  # Box 2
    # The Dec 2011 I-247 box "initiated an investigation to determine whether this person is
    # subject to removal", replaced in Dec 2012 by probable-cause boxes (FED_I247_2011_2012); ICE
    # Policy 10074.2 bars detainers on the initiation of an investigation alone.
    investigation_initiated = "investigation_initiated"


class PriorityBasis(StrEnum):
    """The I-247D section 1A priority boxes (fact sheet 2.2, FED_I247D_FORM); PEP terms."""

    terrorism_espionage_national_security = "terrorism_espionage_national_security"
    gang_conviction = "gang_conviction"
    felony_conviction = "felony_conviction"  # other than immigration-status offences
    aggravated_felony = "aggravated_felony"
    significant_misdemeanor = "significant_misdemeanor"
    three_or_more_misdemeanors = "three_or_more_misdemeanors"  # 3+ incidents, not minor traffic


WITHDRAWN_FORMS = frozenset({Form.I_247D, Form.I_247N, Form.I_247X})
WITHDRAWN_FORMS_LAST_ISSUE = date(2017, 4, 2)
"""I-247D, I-247N and I-247X "may not be issued after April 2, 2017"; detainers issued earlier on
them "remain active and need not be replaced" (FED_I247A_GUIDANCE, fact sheet 2.2)."""


class ReleaseReason(StrEnum):
    """Why a person became eligible for release (D.R.M.C. 28-253(b)(1); C.R.S. 24-76.6-101)."""

    charges_dismissed = "charges_dismissed"
    acquitted = "acquitted"
    sentence_served = "sentence_served"
    bond_posted = "bond_posted"
    own_recognizance = "own_recognizance"
    pretrial_diversion = "pretrial_diversion"
    other_eligible = "other_eligible"


class ChargeLevel(StrEnum):
    felony = "felony"
    misdemeanor = "misdemeanor"
    wobbler = "wobbler"  # California: punishable as either misdemeanor or felony
    infraction = "infraction"
    other = "other"


class OffenceList(StrEnum):
    """Jurisdiction offence lists a charge or conviction can be flagged with."""

    ca_serious_felony_pc_1192_7c = "ca_serious_felony_pc_1192_7c"
    ca_violent_felony_pc_667_5c = "ca_violent_felony_pc_667_5c"
    ca_state_prison_felony = "ca_state_prison_felony"
    ca_gc_7282_5_listed = "ca_gc_7282_5_listed"
    nyc_violent_or_serious_crime = "nyc_violent_or_serious_crime"
    federal_aggravated_felony = "federal_aggravated_felony"
    # New Jersey AG Directive 2018-6 (fact sheet 17.3.2): a "violent or serious offense, as
    # defined in the ITD" (its appendix, flagged by the jail), and an indictable crime (a crime
    # of the first to fourth degree, as opposed to a disorderly persons offence).
    nj_violent_or_serious_offense = "nj_violent_or_serious_offense"
    nj_indictable_crime = "nj_indictable_crime"


class AgencyKind(StrEnum):
    sheriff = "sheriff"
    department_of_correction = "department_of_correction"
    police = "police"
    probation = "probation"
    state_prison = "state_prison"


class Effect(StrEnum):
    permit = "permit"
    deny = "deny"
    review_required = "review_required"


class TransferPlace(StrEnum):
    """Where ICE asks the jail to hand the person over (N.Y. Civ. Rights Law § 28 turns on it)."""

    jail = "jail"
    courthouse = "courthouse"  # at, or going to or from, a court proceeding
    other = "other"


class InformationSought(StrEnum):
    """What an information request asks about (not the answer: the desk never stores that)."""

    release_date = "release_date"
    custody_status = "custody_status"
    personal_info = "personal_info"
    immigration_status = "immigration_status"
    birthplace = "birthplace"


DEFAULT_ACTIONS: dict[RequestKind, tuple[Action, ...]] = {
    RequestKind.detainer: (Action.hold_beyond_release, Action.notify_release),
    RequestKind.notification_request: (Action.notify_release,),
    RequestKind.transfer_request: (Action.transfer_custody, Action.notify_release),
    RequestKind.interview_request: (Action.allow_in_person_interview,),
    RequestKind.information_request: (Action.share_release_date,),
}
"""The actions a request asks for when the document does not list them."""
