{#- UX3 投诉率: complaints received in the period (suggestions excluded) per 1,000
    tickets created in the period, in the same scope. Lower is better. -#}
{%- set complaints = "sum(case when unit_type = 'complaint' then 1 else 0 end)" -%}
{%- set tickets = "sum(case when unit_type = 'ticket' then 1 else 0 end)" -%}
with rolled as (
    {{ indicator_rollup(
        indicator_id='ux_complaint_rate',
        relation=ref('int_complaint_exposure'),
        anchor_at='anchor_at',
        value='1000.0 * ' ~ complaints ~ ' / nullif(' ~ tickets ~ ', 0)',
        numerator=complaints,
        denominator=tickets,
        sample_size=tickets,
        where="unit_type = 'ticket' or complaint_category <> 'suggestion'",
    ) }}
)

-- complaints in a period and scope with no tickets created there give no rate (the
-- roll-up's period markers pass: indicator_rollup)
select * from rolled where denominator > 0 or {{ period_marker() }}
