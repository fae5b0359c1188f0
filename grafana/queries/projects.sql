-- The $project variable: every project, by name.
select name as __text, id::text as __value from projects order by name
