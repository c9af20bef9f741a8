-- Write a write session's changes into its working copy before it replaces the live file. No params.
checkpoint
