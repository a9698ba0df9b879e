{#- UX1 首次响应时间: median minutes from creation to the first public agent reply on each
    ticket's SLA clock (business minutes, or calendar minutes for 24x7 priorities such as
    P1), over tickets created in the period that have had one. -#}
{{ indicator_rollup(
    indicator_id='ux_first_response_minutes',
    relation=ref('fct_tickets'),
    anchor_at='created_at',
    value=tsq.median('first_response_sla_minutes'),
    sample_size='count(first_response_sla_minutes)',
    where='first_response_sla_minutes is not null',
) }}
