# %% [markdown]
# # What a footprint buys
#
# The area Deveselu's SM-3 Block IB defends against a generic IRBM from Tabriz, as the decision delay grows.
# The delays are what the timeline's estimate could plausibly be (30 s to 4 min); the grid is coarse (2°) so that
# this runs in seconds — use 0.25° for a figure.

# %%
import openbmd as ob

cat = ob.Catalog.load()
areas = {}
for delay in (30, 120, 240):
    fp = ob.footprint("generic-irbm", "tabriz", sites="deveselu", interceptors="sm3-ib", sensors="kurecik",
                      region=(38, 52, 14, 34), grid_deg=2.0, launch_delay_s=delay, progress=False, catalog=cat)
    areas[delay] = fp.defended_area_km2
    print(f"decision delay {delay:>3} s: {fp.defended_area_km2:>12,.0f} km² defended")

# %% [markdown]
# A longer delay can only shrink the footprint: every opportunity at 240 s was also one at 30 s.

# %%
assert areas[30] >= areas[120] >= areas[240]
fp.plot().savefig("footprint.png")
