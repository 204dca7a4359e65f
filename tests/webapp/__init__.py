# A package, so that test module names here (test_auth, test_models...) cannot collide with
# the same names in tests/hub or tests/server.
