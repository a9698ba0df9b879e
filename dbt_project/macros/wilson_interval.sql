{#- 95% Wilson score interval of a proportion numerator/denominator. Unlike the normal
    approximation it stays inside [0, 1] and behaves at small samples and at 0% / 100%. -#}
{% macro wilson_bound(numerator, denominator, sign) -%}
    case when {{ denominator }} > 0 then (
        ({{ numerator }} * 1.0 / {{ denominator }}) + 1.96 * 1.96 / (2.0 * {{ denominator }})
        {{ sign }} 1.96 * sqrt(
            ({{ numerator }} * 1.0 / {{ denominator }}) * (1 - {{ numerator }} * 1.0 / {{ denominator }}) / {{ denominator }}
            + 1.96 * 1.96 / (4.0 * {{ denominator }} * {{ denominator }})
        )
    ) / (1 + 1.96 * 1.96 / {{ denominator }}) end
{%- endmacro %}
