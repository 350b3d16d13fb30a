"""The appointment book: availability, booking, reception, waitlist, reminders."""
