"""The participants' pages: signed links to short forms (introduction,
goals, check-ins, surveys, manager approval, alumni invitation), the apply
form, and the answers kept for later delivery. No sign-in: the signed link
is the person's identity."""
