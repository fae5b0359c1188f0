using UnityEngine;

namespace Spark.Presets.Platformer2D
{
    /// <summary>
    /// Smooth 2D camera follow for an orthographic camera: a dead zone the target can move in
    /// without moving the camera, horizontal look-ahead in the direction of travel,
    /// <see cref="Vector3.SmoothDamp(Vector3, Vector3, ref Vector3, float)"/> easing, and an
    /// optional world-space rectangle the view never leaves.
    /// </summary>
    /// <remarks>
    /// Runs in <c>LateUpdate</c>, after the target has moved; give the target's Rigidbody2D
    /// Interpolate so both move in step. The look-ahead reads the target's on-screen motion, so it
    /// works with any mover, not only <see cref="PlayerController2D"/>.
    /// </remarks>
    [RequireComponent(typeof(Camera))]
    [DisallowMultipleComponent]
    public sealed class CameraFollow2D : MonoBehaviour
    {
        [Tooltip("What the camera follows, usually the player.")]
        [SerializeField] private Transform target;
        [Tooltip("World-space offset from the target, e.g. a little up so more of the level ahead is visible.")]
        [SerializeField] private Vector2 offset = new Vector2(0f, 1f);
        [Tooltip("Approximate seconds the camera takes to catch up.")]
        [SerializeField, Min(0f)] private float smoothTime = 0.15f;

        [Header("Dead Zone")]
        [Tooltip("Width and height (world units) of the box the target can move in without moving the camera.")]
        [SerializeField] private Vector2 deadZoneSize = new Vector2(1f, 1.5f);

        [Header("Look-Ahead")]
        [Tooltip("How far (world units) the camera leads the target horizontally.")]
        [SerializeField, Min(0f)] private float lookAheadDistance = 2f;
        [Tooltip("Seconds to swing the look-ahead to the other side after a turn.")]
        [SerializeField, Min(0f)] private float lookAheadSmoothTime = 0.5f;
        [Tooltip("Horizontal target speed (units/s) needed before the look-ahead changes side.")]
        [SerializeField, Min(0f)] private float lookAheadMinSpeed = 1f;

        [Header("Bounds")]
        [Tooltip("Keep the whole view inside World Bounds.")]
        [SerializeField] private bool clampToBounds;
        [Tooltip("World-space rectangle (x, y = bottom-left corner) the view stays inside.")]
        [SerializeField] private Rect worldBounds = new Rect(-20f, -10f, 80f, 30f);

        private Camera cam;
        private Vector2 focus;
        private Vector2 lastTargetPosition;
        private float lookAhead;
        private float lookAheadTarget;
        private float lookAheadVelocity;
        private Vector3 followVelocity;

        /// <summary>The followed transform. Setting it snaps the camera to the new target.</summary>
        public Transform Target
        {
            get => target;
            set
            {
                target = value;
                SnapToTarget();
            }
        }

        /// <summary>The rectangle the view is kept inside while <see cref="ClampToBounds"/> is on.</summary>
        public Rect WorldBounds
        {
            get => worldBounds;
            set => worldBounds = value;
        }

        /// <summary>Whether the view is kept inside <see cref="WorldBounds"/>.</summary>
        public bool ClampToBounds
        {
            get => clampToBounds;
            set => clampToBounds = value;
        }

        private void Awake()
        {
            cam = GetComponent<Camera>();
        }

        private void Start()
        {
            SnapToTarget();
        }

        private void OnValidate()
        {
            deadZoneSize = Vector2.Max(deadZoneSize, Vector2.zero);
        }

        /// <summary>
        /// Moves the camera onto the target immediately, with no easing. Call after a respawn or a
        /// teleport so the camera does not sweep across the level.
        /// </summary>
        public void SnapToTarget()
        {
            if (target == null)
            {
                return;
            }

            Vector2 targetPosition = TargetPosition();
            focus = targetPosition;
            lastTargetPosition = targetPosition;
            lookAhead = 0f;
            lookAheadTarget = 0f;
            lookAheadVelocity = 0f;
            followVelocity = Vector3.zero;

            Vector2 position = ClampToWorld(focus);
            transform.position = new Vector3(position.x, position.y, transform.position.z);
        }

        private void LateUpdate()
        {
            if (target == null)
            {
                return;
            }

            float deltaTime = Time.deltaTime;
            if (deltaTime <= 0f)
            {
                return;
            }

            Vector2 targetPosition = TargetPosition();
            UpdateFocus(targetPosition);
            UpdateLookAhead(targetPosition, deltaTime);
            lastTargetPosition = targetPosition;

            Vector2 desired = ClampToWorld(focus + new Vector2(lookAhead, 0f));
            Vector3 current = transform.position;
            Vector3 goal = new Vector3(desired.x, desired.y, current.z);
            transform.position = Vector3.SmoothDamp(current, goal, ref followVelocity, smoothTime, Mathf.Infinity, deltaTime);
        }

        private Vector2 TargetPosition()
        {
            return (Vector2)target.position + offset;
        }

        // The focus only moves by the distance the target pushes past the dead-zone edge.
        private void UpdateFocus(Vector2 targetPosition)
        {
            Vector2 half = deadZoneSize * 0.5f;
            Vector2 delta = targetPosition - focus;

            if (delta.x > half.x) focus.x += delta.x - half.x;
            else if (delta.x < -half.x) focus.x += delta.x + half.x;

            if (delta.y > half.y) focus.y += delta.y - half.y;
            else if (delta.y < -half.y) focus.y += delta.y + half.y;
        }

        // The look-ahead keeps its side when the target stops, so standing still does not recenter.
        private void UpdateLookAhead(Vector2 targetPosition, float deltaTime)
        {
            float horizontalSpeed = (targetPosition.x - lastTargetPosition.x) / deltaTime;
            if (Mathf.Abs(horizontalSpeed) >= lookAheadMinSpeed)
            {
                lookAheadTarget = Mathf.Sign(horizontalSpeed) * lookAheadDistance;
            }

            lookAhead = Mathf.SmoothDamp(lookAhead, lookAheadTarget, ref lookAheadVelocity, lookAheadSmoothTime, Mathf.Infinity, deltaTime);
        }

        private Vector2 ClampToWorld(Vector2 position)
        {
            if (!clampToBounds || cam == null)
            {
                return position;
            }

            float halfHeight = cam.orthographic ? cam.orthographicSize : 0f;
            float halfWidth = halfHeight * cam.aspect;

            // When the bounds are smaller than the view on an axis, center the view on that axis.
            position.x = worldBounds.width <= halfWidth * 2f
                ? worldBounds.center.x
                : Mathf.Clamp(position.x, worldBounds.xMin + halfWidth, worldBounds.xMax - halfWidth);
            position.y = worldBounds.height <= halfHeight * 2f
                ? worldBounds.center.y
                : Mathf.Clamp(position.y, worldBounds.yMin + halfHeight, worldBounds.yMax - halfHeight);
            return position;
        }

        private void OnDrawGizmosSelected()
        {
            if (clampToBounds)
            {
                Gizmos.color = Color.cyan;
                Gizmos.DrawWireCube(worldBounds.center, worldBounds.size);
            }

            if (Application.isPlaying && target != null)
            {
                Gizmos.color = Color.yellow;
                Gizmos.DrawWireCube(focus, deadZoneSize);
            }
        }
    }
}
