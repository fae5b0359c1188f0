-- Spark sessions in state active now.
select count(*) as "active sessions"
from sessions
where project_id = '$project' and state = 'active'
