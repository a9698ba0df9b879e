{{ config(materialized='view') }}

-- the usable rows of base_helpdesk__tickets; those held back are listed in
-- int_held_back_rows (macros/held_back.sql)
{{ usable_rows('base_helpdesk__tickets') }}
