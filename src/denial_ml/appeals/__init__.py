"""Appeal packets: a letter built only from facts on file, the argument for the denial's category and code,
and the attachments to send (pure; rendering to DOCX/HTML in `render`, files and the store in `jobs.appeals`)."""
