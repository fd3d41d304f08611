# %% [markdown]
# # Cooperation modes, paired
#
# The nrc-2012 raid in the independent, data-exchange and joint modes, with common random numbers: the same
# trial number meets the same draws in every mode, so the difference between modes is measured pairwise, with a
# much tighter interval than two independent runs would give. The scenario's figures are estimates (see its YAML).

# %%
import openbmd as ob

ex = ob.exercise("nrc-2012", trials=200, seed=7, modes="independent,data-exchange,joint", progress=False)
print(ex.to_dataframe()[["p_no_leak", "p_no_leak_lo", "p_no_leak_hi", "p_no_leak_vs_independent"]])

# %%
trials = ex.trials()
no_leak = trials.assign(no_leak=trials.leakers == 0).pivot(index="trial", columns="mode", values="no_leak")
diff = no_leak["joint"].astype(int) - no_leak["independent"].astype(int)
print(f"joint - independent: {diff.mean():+.3f} (trials where joint alone succeeds: {(diff > 0).sum()}, "
      f"where independent alone does: {(diff < 0).sum()})")
assert abs(diff.mean() - ex.to_dataframe().loc["joint", "p_no_leak_vs_independent"]) < 1e-12

# %%
ex.plot().savefig("modes.png")
