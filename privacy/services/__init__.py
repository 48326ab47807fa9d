"""GDPR rules, one function each. Admin actions, commands, tasks and views call these."""
