"""Alumni invitations: graduates invited to mentor the next cohort."""
