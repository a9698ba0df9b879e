{#- dbt-spark adds an enforced contract's constraints (ALTER COLUMN ... SET NOT NULL, ADD
    CONSTRAINT) when the model's file_format is delta, and takes delta as the default
    when none is set, though its tables are parquet by default: on the plain Parquet
    tables here Spark refuses the ALTER. Constraints are added only to a model that says
    file_format='delta'; on Parquet the contract's columns and types are still checked,
    and the not_null data tests check the rest. -#}
{% macro spark__persist_constraints(relation, model) %}
  {%- set contract_config = config.get('contract') -%}
  {% if contract_config.enforced and config.get('file_format', 'parquet') == 'delta' %}
    {% do alter_table_add_constraints(relation, model.constraints) %}
    {% do alter_column_set_constraints(relation, model.columns) %}
  {% endif %}
{% endmacro %}
