"""The clinic's calendar: practitioners' schedules, appointments and courses of IMS,
online self-booking, reminders through the outbox, calendar feeds and the waitlist."""
