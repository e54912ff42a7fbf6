"""The trainer's tableaux de suivi: statistics over stored results (pure), and their exports
(XLSX workbook, CSV for French Excel, PDF procès-verbal and attestation). Front-end side: they
read a ``ResultStore``'s results and never touch a database themselves."""
