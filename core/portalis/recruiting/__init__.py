"""Recruiting: how a company becomes a partner.

``questions`` are the extra fields a vendor asks per program and how the form asks them;
``submission`` takes an application from the public form (checks, files, flood control,
one transaction); ``duplicates`` finds the partners and open applications it may repeat;
``decisions`` moves it through its stages (owner, vetting, approve, decline) and
``kpi`` measures how long approval takes. The web pages are ``web/apply.py`` (public) and
``web/admin/applications.py`` (the vendor's).
"""
