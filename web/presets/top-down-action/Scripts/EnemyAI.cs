using System;
using System.Collections.Generic;
using UnityEngine;

namespace Spark.Presets.TopDownAction
{
    /// <summary>
    /// A small state machine for top-down enemies: <see cref="State.Idle"/>,
    /// <see cref="State.Patrol"/> between waypoints, <see cref="State.Chase"/> the target while it
    /// is in sight (and briefly after losing it), and <see cref="State.Attack"/> in range.
    /// Sight uses a distance check, an optional view cone and a line-of-sight linecast against
    /// obstacle layers; movement uses simple whisker steering around walls, so no NavMesh is needed.
    /// </summary>
    /// <remarks>
    /// Perception runs every <c>perceptionInterval</c> seconds rather than every frame, which keeps
    /// dozens of enemies cheap on low-end WebGL devices. Put walls on the Obstacle Layers; keep
    /// the player and enemies off them. Needs a <see cref="TopDownMover"/>; a
    /// <see cref="MeleeAttack"/> and a <see cref="Health"/> are optional (without an attack the
    /// enemy only chases; with a Health it stops when it dies).
    /// </remarks>
    [RequireComponent(typeof(TopDownMover))]
    [DisallowMultipleComponent]
    public sealed class EnemyAI : MonoBehaviour
    {
        /// <summary>What the enemy is currently doing.</summary>
        public enum State
        {
            /// <summary>Standing still, watching.</summary>
            Idle,
            /// <summary>Walking between patrol points.</summary>
            Patrol,
            /// <summary>Moving toward the target or where it was last seen.</summary>
            Chase,
            /// <summary>In range: facing the target and attacking on cooldown.</summary>
            Attack,
        }

        private static readonly float[] AvoidanceAngles = { 35f, 70f, 105f };

        [Header("Target")]
        [Tooltip("What to hunt. When empty, the first GameObject with Target Tag is used.")]
        [SerializeField] private Transform target;
        [Tooltip("Tag used to find the target at Start; the tag must exist in the Tag Manager.")]
        [SerializeField] private string targetTag = "Player";

        [Header("Perception")]
        [Tooltip("Distance at which the enemy notices the target.")]
        [SerializeField, Min(0f)] private float sightRange = 6f;
        [Tooltip("Distance at which a chasing enemy loses the target; larger than Sight Range to avoid flickering.")]
        [SerializeField, Min(0f)] private float loseSightRange = 9f;
        [Tooltip("View cone in degrees used to first notice the target (360 = all around).")]
        [SerializeField, Range(10f, 360f)] private float fieldOfView = 360f;
        [Tooltip("Layers that block sight and that steering avoids (walls, props).")]
        [SerializeField] private LayerMask obstacleLayers;
        [Tooltip("Seconds the enemy keeps chasing the last seen position after losing sight.")]
        [SerializeField, Min(0f)] private float memoryDuration = 2f;
        [Tooltip("Seconds between perception checks.")]
        [SerializeField, Range(0.02f, 1f)] private float perceptionInterval = 0.1f;

        [Header("Idle & Patrol")]
        [Tooltip("Seconds to stand still before patrolling again.")]
        [SerializeField, Min(0f)] private float idleDuration = 1.5f;
        [Tooltip("Waypoints visited in order, then looped. Their positions are read once at Start.")]
        [SerializeField] private Transform[] patrolPoints = Array.Empty<Transform>();
        [Tooltip("Seconds to wait at each waypoint.")]
        [SerializeField, Min(0f)] private float waitAtPatrolPoint = 1f;
        [Tooltip("Fraction of full speed used while patrolling.")]
        [SerializeField, Range(0.1f, 1f)] private float patrolSpeedFactor = 0.5f;
        [Tooltip("Distance at which a waypoint or last-seen position counts as reached.")]
        [SerializeField, Min(0.01f)] private float arriveDistance = 0.15f;

        [Header("Chase & Attack")]
        [Tooltip("The enemy's attack; found on this GameObject when left empty.")]
        [SerializeField] private MeleeAttack attack;
        [Tooltip("Distance to the target at which the enemy starts attacking; keep it within the attack's reach + radius.")]
        [SerializeField, Min(0f)] private float attackRange = 0.9f;
        [Tooltip("Without an attack, the enemy stops this close to the target.")]
        [SerializeField, Min(0f)] private float stoppingDistance = 0.8f;

        [Header("Steering")]
        [Tooltip("How far ahead to probe for walls.")]
        [SerializeField, Min(0f)] private float avoidanceProbeDistance = 0.75f;
        [Tooltip("Radius of the probe; slightly smaller than the enemy's collider.")]
        [SerializeField, Min(0.01f)] private float bodyRadius = 0.3f;

        private readonly List<Vector2> patrolPositions = new List<Vector2>();
        private TopDownMover mover;
        private Health health;
        private Health targetHealth;
        private int patrolIndex;
        private float waitUntil;
        private float nextPerceptionTime;
        private bool targetVisible;
        private Vector2 lastKnownTargetPosition;
        private float lastSeenTime = float.NegativeInfinity;
        private int avoidSide = 1;

        /// <summary>Raised with the new state whenever the state changes.</summary>
        public event Action<State> StateChanged;

        /// <summary>The current state.</summary>
        public State CurrentState { get; private set; } = State.Idle;

        /// <summary>Whether the last perception check saw the target.</summary>
        public bool CanSeeTarget => targetVisible;

        /// <summary>What the enemy hunts; can be swapped at runtime (e.g. in co-op).</summary>
        public Transform Target
        {
            get => target;
            set
            {
                target = value;
                targetHealth = value != null ? value.GetComponentInParent<Health>() : null;
                targetVisible = false;
            }
        }

        private Vector2 Position => transform.position;

        private bool TargetIsGone => target == null || (targetHealth != null && targetHealth.IsDead);

        private void Awake()
        {
            mover = GetComponent<TopDownMover>();
            health = GetComponent<Health>();
            if (attack == null)
            {
                attack = GetComponent<MeleeAttack>();
            }
        }

        private void OnEnable()
        {
            if (health != null)
            {
                health.Died.AddListener(OnDied);
            }
        }

        private void OnDisable()
        {
            if (health != null)
            {
                health.Died.RemoveListener(OnDied);
            }

            if (mover != null)
            {
                mover.Stop();
            }
        }

        private void Start()
        {
            if (target == null && !string.IsNullOrEmpty(targetTag))
            {
                GameObject found = GameObject.FindGameObjectWithTag(targetTag);
                if (found != null)
                {
                    target = found.transform;
                }
            }

            Target = target;

            foreach (Transform point in patrolPoints)
            {
                if (point != null)
                {
                    patrolPositions.Add(point.position);
                }
            }

            // Spread perception checks of enemies spawned together across frames.
            nextPerceptionTime = Time.time + UnityEngine.Random.value * perceptionInterval;
            ReturnToRoutine();
        }

        private void OnValidate()
        {
            loseSightRange = Mathf.Max(loseSightRange, sightRange);
        }

        private void Update()
        {
            if (Time.time >= nextPerceptionTime)
            {
                nextPerceptionTime = Time.time + perceptionInterval;
                Perceive();
            }

            switch (CurrentState)
            {
                case State.Idle:
                    UpdateIdle();
                    break;
                case State.Patrol:
                    UpdatePatrol();
                    break;
                case State.Chase:
                    UpdateChase();
                    break;
                case State.Attack:
                    UpdateAttack();
                    break;
            }
        }

        private void Perceive()
        {
            targetVisible = false;
            if (TargetIsGone)
            {
                return;
            }

            bool alreadyAware = CurrentState == State.Chase || CurrentState == State.Attack;
            float range = alreadyAware ? loseSightRange : sightRange;
            Vector2 targetPosition = target.position;
            if (HasLineOfSight(targetPosition, range, !alreadyAware))
            {
                targetVisible = true;
                lastKnownTargetPosition = targetPosition;
                lastSeenTime = Time.time;
            }
        }

        private bool HasLineOfSight(Vector2 targetPosition, float range, bool useFieldOfView)
        {
            Vector2 toTarget = targetPosition - Position;
            float distance = toTarget.magnitude;
            if (distance > range)
            {
                return false;
            }

            if (useFieldOfView && fieldOfView < 360f && distance > 0.0001f
                && Vector2.Angle(mover.Facing, toTarget) > fieldOfView * 0.5f)
            {
                return false;
            }

            return Physics2D.Linecast(Position, targetPosition, obstacleLayers).collider == null;
        }

        private void UpdateIdle()
        {
            mover.Stop();
            if (targetVisible)
            {
                EnterState(State.Chase);
            }
            else if (patrolPositions.Count > 0 && Time.time >= waitUntil)
            {
                EnterState(State.Patrol);
            }
        }

        private void UpdatePatrol()
        {
            if (targetVisible)
            {
                EnterState(State.Chase);
                return;
            }

            if (patrolPositions.Count == 0)
            {
                EnterState(State.Idle);
                return;
            }

            if (Time.time < waitUntil)
            {
                mover.Stop();
                return;
            }

            Vector2 toGoal = patrolPositions[patrolIndex] - Position;
            if (toGoal.magnitude <= arriveDistance)
            {
                patrolIndex = (patrolIndex + 1) % patrolPositions.Count;
                waitUntil = Time.time + waitAtPatrolPoint;
                mover.Stop();
                return;
            }

            mover.Move(Steer(toGoal.normalized) * patrolSpeedFactor);
        }

        private void UpdateChase()
        {
            bool remembered = Time.time - lastSeenTime <= memoryDuration;
            if (TargetIsGone || (!targetVisible && !remembered))
            {
                ReturnToRoutine();
                return;
            }

            Vector2 goal = targetVisible ? (Vector2)target.position : lastKnownTargetPosition;
            Vector2 toGoal = goal - Position;
            float distance = toGoal.magnitude;

            if (targetVisible && attack != null && distance <= attackRange)
            {
                EnterState(State.Attack);
                return;
            }

            bool closeEnough = targetVisible ? attack == null && distance <= stoppingDistance : distance <= arriveDistance;
            if (closeEnough)
            {
                // Next to the target without an attack, or at the last seen spot: wait and look.
                mover.Stop();
                mover.FaceTowards(toGoal);
                return;
            }

            mover.Move(Steer(toGoal / distance));
        }

        private void UpdateAttack()
        {
            mover.Stop();
            if (TargetIsGone || attack == null)
            {
                ReturnToRoutine();
                return;
            }

            if (attack.IsAttacking)
            {
                return;
            }

            Vector2 toTarget = (Vector2)target.position - Position;
            if (!targetVisible || toTarget.magnitude > attackRange * 1.2f)
            {
                EnterState(State.Chase);
                return;
            }

            mover.FaceTowards(toTarget);
            attack.TryAttack(toTarget);
        }

        private void ReturnToRoutine()
        {
            EnterState(patrolPositions.Count > 0 ? State.Patrol : State.Idle);
        }

        private void EnterState(State next)
        {
            if (next == State.Idle)
            {
                waitUntil = Time.time + idleDuration;
            }

            if (next == CurrentState)
            {
                return;
            }

            CurrentState = next;
            StateChanged?.Invoke(next);
        }

        // Whisker steering: keep the desired heading if it is clear, otherwise try headings
        // rotated further and further to either side, preferring the side that worked last.
        private Vector2 Steer(Vector2 desired)
        {
            if (obstacleLayers.value == 0 || avoidanceProbeDistance <= 0f || IsClear(desired))
            {
                return desired;
            }

            foreach (float angle in AvoidanceAngles)
            {
                for (int attempt = 0; attempt < 2; attempt++)
                {
                    int side = attempt == 0 ? avoidSide : -avoidSide;
                    Vector2 candidate = Rotate(desired, angle * side);
                    if (IsClear(candidate))
                    {
                        avoidSide = side;
                        return candidate;
                    }
                }
            }

            // Boxed in: push toward the goal and let the physics slide along the wall.
            return desired;
        }

        private bool IsClear(Vector2 direction)
        {
            return Physics2D.CircleCast(Position, bodyRadius, direction, avoidanceProbeDistance, obstacleLayers).collider == null;
        }

        private static Vector2 Rotate(Vector2 vector, float degrees)
        {
            float radians = degrees * Mathf.Deg2Rad;
            float cos = Mathf.Cos(radians);
            float sin = Mathf.Sin(radians);
            return new Vector2(vector.x * cos - vector.y * sin, vector.x * sin + vector.y * cos);
        }

        private void OnDied()
        {
            mover.Stop();
            enabled = false;
        }

        private void OnDrawGizmosSelected()
        {
            Vector3 position = transform.position;
            Gizmos.color = Color.yellow;
            Gizmos.DrawWireSphere(position, sightRange);
            Gizmos.color = new Color(1f, 0.6f, 0f, 0.5f);
            Gizmos.DrawWireSphere(position, loseSightRange);
            Gizmos.color = Color.red;
            Gizmos.DrawWireSphere(position, attackRange);

            Gizmos.color = Color.cyan;
            Transform previous = null;
            foreach (Transform point in patrolPoints)
            {
                if (point == null)
                {
                    continue;
                }

                if (previous != null)
                {
                    Gizmos.DrawLine(previous.position, point.position);
                }

                previous = point;
            }
        }
    }
}
