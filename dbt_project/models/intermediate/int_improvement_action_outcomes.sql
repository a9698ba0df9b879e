{#- One row per improvement action (process reviews and improvements) whose due date has
    passed by the as-of instant: was it closed on or before its due date? An action due
    later is not judged yet, even if already closed (judging only the early closers of a
    future period would flatter it). Organisation-wide actions (no team) count only at
    organisation scope. -#}
select
    actions.action_id,
    actions.kind,
    actions.team_id,
    actions.target_indicator_id,
    actions.opened_at,
    actions.due_at,
    actions.closed_at,
    coalesce(actions.closed_at <= actions.due_at, false) as closed_on_time,
    cast(null as {{ tsq.type_text() }}) as agent_id,
    cast(null as {{ tsq.type_text() }}) as product,
    cast(null as {{ tsq.type_text() }}) as channel,
    cast(null as {{ tsq.type_text() }}) as priority,
    cast(null as {{ tsq.type_text() }}) as complexity_tier
from {{ ref('stg_helpdesk__improvement_actions') }} as actions
cross join {{ ref('int_data_window') }} as window_
where actions.due_at <= window_.as_of_at
