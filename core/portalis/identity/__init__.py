"""Identity: password hashing, signed single-use links, server-side sign-in sessions."""
