# %% [markdown]
# # An IRBM over Europe
#
# A generic 3,000 km IRBM from the Tabriz area at Warsaw, minimum energy and lofted, and the SM-3 Block IIA at
# Redzikowo against it with the Kürecik AN/TPY-2 cueing. Every figure rests on catalog entries with their
# sources; the interceptor's kill-vehicle limits and the timeline are estimates.
# (This file is a jupytext "percent" script: `jupytext --to notebook` opens it as a notebook.)

# %%
import openbmd as ob

cat = ob.Catalog.load()
flights = {how: ob.trajectory("generic-irbm", "tabriz", "warsaw", catalog=cat, **kw)
           for how, kw in {"min-energy": {}, "lofted": {"apogee_km": 900}}.items()}
for how, f in flights.items():
    print(f"{how:>10}: {f.ground_range_m / 1e3:,.0f} km, apogee {f.apogee_altitude_m / 1e3:,.0f} km, "
          f"{f.flight_time_s / 60:.1f} min")

# %% [markdown]
# The engagement core attacks with the minimum-energy shot. How much does a slower decision cost the defence?

# %%
shots = {}
for delay in (30, 120, 300):
    e = ob.engage("generic-irbm", "tabriz", "warsaw", sites="redzikowo", interceptors="sm3-iia",
                  sensors="kurecik", launch_delay_s=delay, catalog=cat)
    frame = e.to_dataframe()
    shots[delay] = int((frame.kind == "shot").sum())
    print(f"decision delay {delay:>3} s: {'feasible' if e.feasible else 'no opportunity'}, {shots[delay]} shot(s)")

# %%
assert flights["lofted"].apogee_altitude_m > flights["min-energy"].apogee_altitude_m
assert flights["lofted"].flight_time_s > flights["min-energy"].flight_time_s
assert shots[30] >= shots[120] >= shots[300]
fig = e.plot()
fig.savefig("irbm-over-europe.png")
