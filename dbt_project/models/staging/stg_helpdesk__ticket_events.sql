{{ config(materialized='view') }}

-- the usable rows of base_helpdesk__ticket_events; those held back are listed in
-- int_held_back_rows (macros/held_back.sql)
{{ usable_rows('base_helpdesk__ticket_events') }}
