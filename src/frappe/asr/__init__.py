"""Speech recognition (optional extra ``frappe[asr]``): drafts of reference texts from audio."""
