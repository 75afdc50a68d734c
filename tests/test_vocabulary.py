import pandas as pd
import pytest

import spasm_analysis as sa
from spasm_analysis.vocabulary import known_modalities


@pytest.mark.parametrize(
    "name, modality",
    [
        ("chiro", "chiropractic"), ("Chiropractor", "chiropractic"), ("adjustment", "chiropractic"),
        ("chiro adjustments", "chiropractic"), ("traction", "chiropractic"),
        ("PT", "physiotherapy"), ("PT session", "physiotherapy"), ("physio", "physiotherapy"),
        ("Physical therapy", "physiotherapy"),
        ("Flexeril", "muscle_relaxant"), ("cyclobenzaprine 10mg", "muscle_relaxant"),
        ("Skelaxin", "muscle_relaxant"), ("metaxalone", "muscle_relaxant"),
        ("Valium", "benzodiazepine"), ("diazepam 5 mg", "benzodiazepine"),
        ("ibuprofen", "nsaid"), ("Naproxen", "nsaid"), ("Advil", "nsaid"),
        ("trigger point injection", "injection"), ("Trigger-point injections", "injection"),
        ("ultrasound-guided injection", "injection"), ("cortisone shot", "injection"),
        ("trigger point massage", "trigger_point_therapy"), ("trigger point therapy", "trigger_point_therapy"),
        ("neuromuscular therapy", "trigger_point_therapy"),
        ("massage", "massage"), ("compression holds", "massage"), ("fascial work", "massage"),
        ("acupuncture", "acupuncture"), ("cupping", "tcm"), ("TCM herbs", "tcm"),
        ("hot pack", "heat"), ("heating pad", "heat"), ("ice", "cold"), ("ice packs", "cold"),
        ("ER", "emergency_visit"), ("ER visit", "emergency_visit"), ("A&E", "emergency_visit"),
        ("MRI", "imaging"), ("x-ray", "imaging"), ("X ray", "imaging"),
        ("PRP", "prp"), ("platelet-rich plasma", "prp"),
        ("yoga class", "exercise"), ("home exercises", "exercise"),
        ("Tylenol #3", "opioid"), ("tramadol", "opioid"),
        ("emergency_visit", "emergency_visit"), ("Trigger point therapy", "trigger_point_therapy"),
    ],
)
def test_default_vocabulary(name, modality):
    assert sa.normalize_modality(name) == modality


@pytest.mark.parametrize("name", ["float tank", "  reiki ", "after", "interpreter", "peter"])
def test_unknown_names_stay_as_written(name):
    # Whole-word matching: "er" inside "interpreter" or "peter" is no emergency visit.
    assert sa.normalize_modality(name) == name.strip()


def test_unknown_modalities_lists_distinct_names():
    assert sa.unknown_modalities(["chiro", "float tank", "reiki", "float tank", None, ""]) == ["float tank", "reiki"]
    assert sa.unknown_modalities(["float tank"], vocabulary={"float tank": "relaxation"}) == []


def test_vocabulary_is_visible_data():
    vocab = sa.modality_vocabulary()
    assert list(vocab.columns) == ["pattern", "kind", "modality", "note"]
    assert set(vocab["kind"]) == {"word", "regex"}
    expected = {"chiropractic", "physiotherapy", "massage", "trigger_point_therapy", "acupuncture", "injection",
                "muscle_relaxant", "nsaid", "opioid", "benzodiazepine", "heat", "cold", "emergency_visit", "imaging",
                "exercise", "prp", "tcm"}
    assert expected <= set(vocab["modality"])
    assert expected <= set(known_modalities())
    # A copy: editing it does not change the defaults.
    vocab.loc[:, "modality"] = "x"
    assert sa.normalize_modality("chiro") == "chiropractic"


def test_user_rules_come_first_and_override():
    assert sa.normalize_modality("float tank", vocabulary={"float tank": "relaxation"}) == "relaxation"
    assert sa.normalize_modality("ice", vocabulary={"ice": "cryo"}) == "cryo"
    extended = pd.concat(
        [pd.DataFrame({"pattern": [r"^dr\.? smith"], "kind": ["regex"], "modality": ["chiropractic"], "note": [""]}),
         sa.modality_vocabulary()],
        ignore_index=True,
    )
    assert sa.normalize_modality("Dr Smith visit", vocabulary=extended) == "chiropractic"
    assert sa.normalize_modality("ibuprofen", vocabulary=extended) == "nsaid"
    no_kind = pd.DataFrame({"pattern": ["float"], "modality": ["relaxation"]})
    assert sa.normalize_modality("Float session", vocabulary=no_kind) == "relaxation"


def test_bad_vocabularies_and_names():
    with pytest.raises(ValueError, match="allowed values: 'word', 'regex'"):
        sa.normalize_modality("x", vocabulary=pd.DataFrame({"pattern": ["x"], "kind": ["glob"], "modality": ["y"]}))
    with pytest.raises(ValueError, match="not a valid regular expression"):
        sa.normalize_modality("x", vocabulary=pd.DataFrame({"pattern": ["(x"], "kind": ["regex"], "modality": ["y"]}))
    with pytest.raises(ValueError, match="missing"):
        sa.normalize_modality("x", vocabulary=pd.DataFrame({"regex": ["x"]}))
    with pytest.raises(TypeError):
        sa.normalize_modality("x", vocabulary=["x"])
    with pytest.raises(ValueError, match="empty"):
        sa.normalize_modality("  ")
    with pytest.raises(TypeError):
        sa.normalize_modality(3)
