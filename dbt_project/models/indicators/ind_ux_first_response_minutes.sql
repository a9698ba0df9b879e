{#- UX1 首次响应时间: median business minutes from creation to the first public agent reply,
    over tickets created in the period that have had one. -#}
{{ indicator_rollup(
    indicator_id='ux_first_response_minutes',
    relation=ref('fct_tickets'),
    anchor_at='created_at',
    value='median(first_response_business_minutes)',
    sample_size='count(first_response_business_minutes)',
    where='first_response_business_minutes is not null',
) }}
