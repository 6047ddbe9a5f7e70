"""Model artifacts shared by every model kind: the bundle folder format and the probability calibration.

Depends only on numpy, pandas, scikit-learn, LightGBM, the standard library and `denial_ml.domain`, so any
model package (modeling, triage, later ones) can use it without import cycles.
"""
