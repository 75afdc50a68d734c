# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Import your data from a tracking app
#
# Years of flare-ups often sit in an app that draws charts but does no statistics.
# `sa.read_app_export` reads the exports of **Bearable**, **Migraine Buddy**, **Flaredown**,
# **Daylio** and **Apple Health** into a validated `EpisodeLog`, ready for every analysis in
# spasm_analysis.
#
# How daily records become episodes (the same for every app):
#
# * consecutive days with the symptom form one episode;
# * a single day with **no entry at all** does not split an episode (you probably still had it);
# * a day you **logged without the symptom** does split it;
# * the days you logged anything become the **follow-up windows**, so a gap in logging is never
#   read as a spasm-free stretch.
#
# This notebook walks through each app with the small example exports shipped with the tests.
# Nothing here is medical advice: the numbers describe your records, with their uncertainty.
#
# ## Getting your data out of the app
#
# | app | where the export is | which file to give |
# |---|---|---|
# | Daylio | More → Export → CSV | the `.csv` |
# | Bearable | Settings → Export data → CSV | `Bearable App - Data Export. Generated DD-MM-YYYY.csv` |
# | Migraine Buddy | the data export in the app's options menu (not checked against a help page: look for "export") | the `.csv`, preamble and all |
# | Flaredown | flaredown.com → Settings → "Download my data" (sent by email) | the emailed `.csv` |
# | Apple Health | Health → your picture → Export All Health Data | `export.zip`, or the unzipped `apple_health_export` folder |
# | Google Calendar | Settings → Import & export → Export | the calendar's `.ics` from the zip |
# | Outlook / Apple Calendar | File → Save Calendar / File → Export | the `.ics` |
#
# Menu names move between app versions; look for the data export, not a PDF report. The README's
# section of the same name has the notes per app; the command line takes the same choices
# (`spasm-analysis summary export.zip --symptom LowerBackPain`).

# %%
import warnings
import zipfile
import tempfile
from pathlib import Path

import pandas as pd
import spasm_analysis as sa

warnings.simplefilter("always")  # show every note the importer makes, once per call
# The example exports live in tests/fixtures/apps of the repository.
here = Path.cwd().resolve()
FIXTURES = next(p / "tests" / "fixtures" / "apps" for p in [here, *here.parents] if (p / "tests" / "fixtures" / "apps").exists())
sorted(p.name for p in FIXTURES.iterdir())

# %% [markdown]
# ## Bearable
#
# Bearable exports one row per thing logged (`date, date formatted, weekday, time of day, category,
# rating/amount, detail, notes`). Symptom rows name the symptom and its intensity,
# `Back (lower) pain (Moderate)`; medication rows become treatments and factor rows exposures.
#
# Without `app=` the importer detects the app and says which it assumed. When the export holds
# several symptoms, it asks which one defines an episode:

# %%
try:
    sa.read_app_export(FIXTURES / "bearable.csv")
except sa.LogValidationError as error:
    print(error)

# %%
bearable = sa.read_app_export(FIXTURES / "bearable.csv", symptom="Back (lower) pain")
bearable

# %% [markdown]
# Severity is Bearable's 0-4 intensity times 2.5. 1-2 March and 4 March are one episode: nothing at
# all was logged on 3 March. 5 March was logged (a mood) without back pain, so 6 March starts a new one.

# %%
bearable.episodes[["onset", "end", "severity"]]

# %%
bearable.follow_up

# %%
bearable.treatments[["start", "modality", "name", "dose"]]

# %% [markdown]
# Factors are recorded as 1 on the days they were logged and 0 on the other logged days, which is
# what a case-crossover comparison needs:

# %%
bearable.exposures.pivot(index="time", columns="exposure", values="value")

# %% [markdown]
# `min_severity=` treats milder days as symptom-free (here: only moderate or worse counts):

# %%
sa.read_app_export(FIXTURES / "bearable.csv", app="bearable", symptom="back", min_severity=5).episodes[["onset", "end", "severity"]]

# %% [markdown]
# A 2021-style export also has **Meds/Supplements** rows (treatments; several names separated by
# `|`), **Sleep** rows (hours, from `7:30` or from `Asleep 23:30 - 07:00`) and **Food Diary** rows
# (`Meals: Coffee | Toast`). Sleep becomes the exposure `sleep hours`, each food a 0/1 exposure.
# Treatment names go through the modality vocabulary; a name it does not know is listed in a warning
# (pass `vocabulary=` to `sa.read_treatments`, or edit `sa.modality_vocabulary()`).

# %%
bearable_2021 = sa.read_app_export(FIXTURES / "bearable_2021.csv", app="bearable", symptom="Back (lower) pain")
bearable_2021.treatments[["start", "name", "dose", "modality"]]

# %%
bearable_2021.exposures.pivot(index="time", columns="exposure", values="value")

# %% [markdown]
# ## Daylio
#
# Daylio has moods and activities, no symptom scale. Name the activity that marks your symptom;
# every other activity becomes a 0/1 exposure on each logged day. Both the current export and the
# older 7-column one are read; the older one writes dates in the phone's language ("7 września"),
# read with the month names of Daylio's languages (Babel's CLDR data).

# %%
daylio = sa.read_app_export(FIXTURES / "daylio.csv", app="daylio", symptom="back spasm")
daylio.episodes[["onset", "end"]]

# %%
daylio.exposures.pivot(index="time", columns="exposure", values="value")

# %%
sa.read_app_export(FIXTURES / "daylio_old.csv", app="daylio", symptom="back spasm").follow_up

# %%
polish = sa.read_app_export(FIXTURES / "daylio_polish.csv", app="daylio", symptom="skurcz pleców")
polish.episodes[["onset", "end"]]

# %% [markdown]
# ## Migraine Buddy
#
# Migraine Buddy exports one row per attack, after an optional preamble. `Started` is written in
# your phone's locale; the importer infers day-first or month-first when a date gives it away and
# says so, otherwise it asks for `dayfirst=`. The app does not record attack-free days, so the
# follow-up is the first to the last record unless you pass `follow_up=(start, end)`.
# Helpful, somewhat helpful, unhelpful and unsure medication, and the same ratings of non-drug
# relief methods (ice, dark room), become one-day treatments with the rating in `notes`. A long
# preamble of health events before the attacks is skipped.

# %%
migraine = sa.read_app_export(FIXTURES / "migraine_buddy.csv", app="migraine_buddy", follow_up=("2024-03-01", "2024-04-30"))
migraine.episodes[["onset", "end", "severity", "region", "trigger"]]

# %%
migraine.treatments[["start", "modality", "name", "notes"]]

# %% [markdown]
# ## Flaredown
#
# A person's own Flaredown export is wide: one column per condition, symptom and treatment, then
# `Tags` and `Foods` (separated by `; `, so "Coffee, brewed from grounds" stays one food) and six
# weather columns, which only mark the day as logged. Treatment cells hold a dose ("10 mg"),
# `Taken` or `Not Taken`. The research dump is long and holds many people: it becomes a cohort with
# covariates `age`, `sex` and `country`, kept as written (an empty cell is "not given"; an age of 0
# stays 0).

# %%
flaredown = sa.read_app_export(FIXTURES / "flaredown_wide.csv", app="flaredown", symptom="Back spasm")
flaredown.episodes[["onset", "end", "severity"]]

# %%
cohort = sa.read_app_export(FIXTURES / "flaredown_research.csv", symptom="Back spasm")
cohort.describe().join(cohort.covariates.set_index("subject"))

# %%
sa.to_counting_process(cohort)

# %% [markdown]
# ## Apple Health
#
# Health's `export.xml` (or the zip the phone writes) is streamed, so a multi-gigabyte export
# stays within a few hundred megabytes of memory. Symptom records (`HKCategoryTypeIdentifierLowerBackPain`
# and friends) carry a severity: Mild = 2, Moderate = 5, Severe = 8.5 on the 0-10 scale, "not present"
# is a logged symptom-free day. Workouts become daily 0/1 exposures.

# %%
folder = Path(tempfile.mkdtemp())
export_zip = folder / "export.zip"
with zipfile.ZipFile(export_zip, "w", compression=zipfile.ZIP_DEFLATED) as archive:
    archive.write(FIXTURES / "apple_health_export.xml", "apple_health_export/export.xml")
health = sa.read_app_export(export_zip, symptom="LowerBackPain")
health.episodes[["onset", "end", "severity"]]

# %%
health.follow_up

# %% [markdown]
# The XML inside the zip may have a localized name (`Exportieren.xml` on a German phone), and the
# unzipped `apple_health_export` folder is read too. iOS 16 wrote a broken header (DTD) that other
# tools refuse; only the records are needed, so it is skipped.

# %%
unzipped = folder / "unzipped" / "apple_health_export"
unzipped.mkdir(parents=True)
(unzipped / "Exportieren.xml").write_bytes((FIXTURES / "apple_health_export.xml").read_bytes())
sa.read_app_export(folder / "unzipped", symptom="LowerBackPain").n_episodes

# %% [markdown]
# ## Calendars
#
# A calendar entry per flare-up or appointment is read with `sa.read_ics` (or `sa.read_log` on the
# `.ics` file). Repeating events are expanded by icalendar and recurring-ical-events: every repeat
# rule (Outlook's "every weekday", monthly on the 15th), exceptions (EXDATE, also in UTC for an
# event written in a time zone) and moved occurrences. `match=` keeps the events whose title or
# category contains a word; only those are expanded, so a rule in an unrelated event cannot stop the
# calendar being read.

# %%
calendar_text = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0",
    "BEGIN:VEVENT", "UID:pt", "SUMMARY:Physio", "DTSTART;TZID=Europe/Berlin:20240108T090000",
    "DURATION:PT45M", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=6", "EXDATE:20240110T080000Z", "END:VEVENT",
    "BEGIN:VEVENT", "UID:s1", "SUMMARY:Back spasm", "DTSTART;VALUE=DATE:20240112", "DTEND;VALUE=DATE:20240115", "END:VEVENT",
    "END:VCALENDAR", ""])
calendar_file = folder / "calendar.ics"
calendar_file.write_text(calendar_text)
sa.read_ics(calendar_file, kind="treatments", match="physio")[["start", "end", "name", "modality"]]

# %%
sa.read_ics(calendar_file, match="spasm")[["onset", "end"]]

# %% [markdown]
# ## Errors name the line and the field
#
# A malformed export is rejected with every problem listed, so the file can be fixed in one pass:

# %%
for name in ["bearable_malformed.csv", "migraine_buddy_malformed.csv", "apple_health_malformed.xml"]:
    try:
        sa.read_app_export(FIXTURES / name, dayfirst=False) if "migraine" in name else sa.read_app_export(FIXTURES / name)
    except sa.LogValidationError as error:
        print(error, end="\n\n")

# %% [markdown]
# ## Real exports, and what the readers noted
#
# `tests/fixtures/apps/real` holds small excerpts of real exports from public repositories
# (`PROVENANCE.md` there says where each comes from and under which licence): Daylio's own sample
# exports and Exchange and Google calendars (rows of Flaredown's research dump are made up, in the
# dump's exact layout: `flaredown_research_layout.csv`). Whatever a reader assumed or left out comes
# back as notes; `summary` and `report` print them, and the report shows
# them in its first section.

# %%
from spasm_analysis.reading import read_source_noting

REAL = FIXTURES / "real"
daylio_real, notes = read_source_noting(REAL / "daylio_currin_sample.csv", symptom="stomachache")
print(*notes, sep="\n")
daylio_real.episodes[["onset", "end"]]

# %%
dump, notes = read_source_noting(FIXTURES / "flaredown_research_layout.csv", symptom="Nausea")
print(*notes, sep="\n")
dump.covariates

# %%
standup = sa.read_ics(REAL / "calendar_exchange_cdo_weekdays.ics")  # Exchange's "BYDAY=MO, TU, WE, TH, FR"
standup[["onset", "end", "summary"]].head()

# %% [markdown]
# ## Keep the imported log
#
# `to_folder` writes the canonical tables as CSV (readable anywhere) or Parquet (exact dtypes);
# `sa.read_log` reads the folder back.

# %%
saved = bearable.to_folder(folder / "my_log", format="parquet")
sorted(p.name for p in saved.iterdir())

# %%
again = sa.read_log(saved)
again.n_episodes, len(again.follow_up)
